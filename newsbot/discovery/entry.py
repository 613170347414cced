"""What discovery knows about an article before fetching it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class DiscoveredEntry:
    url: str
    title: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    authors: list[str] = field(default_factory=list)
    description: str | None = None
    categories: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    lastmod: datetime | None = None
    #: API metadata (GDELT seen date, source country, domain...)
    extra: dict[str, Any] = field(default_factory=dict)

    def hints(self) -> dict[str, Any]:
        """The entry as extraction hints: only what is known."""
        h: dict[str, Any] = {
            "title": self.title,
            "published_at": self.published_at,
            "language": self.language,
            "authors": self.authors,
            "description": self.description,
            "categories": self.categories,
            "tags": self.keywords,
            **self.extra,
        }
        return {k: v for k, v in h.items() if v not in (None, [], "")}
