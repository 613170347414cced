"""The stateless clean stages as one pure function, for worker processes.

:func:`clean_paragraphs` runs, in the pipelines' order, duplicate removal, the boilerplate rules
and, when the record's author names are given, the removal of their byline and bio
(:mod:`.authors`). Template learning (state per source) and the quality verdict stay in the
pipelines, in the main process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from newsbot.clean.authors import remove_author_lines
from newsbot.clean.duplicates import remove_duplicates
from newsbot.clean.rules import RuleSet


@dataclass
class CleanResult:
    paragraphs: list[str]
    #: (stage, text): stage is ``duplicates/<kind>`` or ``rules/<category>``
    removed: list[tuple[str, str]] = field(default_factory=list)


def clean_paragraphs(
    paragraphs: Sequence[str],
    *,
    title: str | None = None,
    description: str | None = None,
    rules: RuleSet | None = None,
    duplicates: bool = True,
    authors: Sequence[str] | None = None,
) -> CleanResult:
    """Duplicates, then rules, then the authors' byline and bio: exactly what DuplicateTextPipeline
    and BoilerplateRulesPipeline do in a crawl, so the cleaning benchmark measures the crawl's
    cleaning. Rules run after deduplication so
    that a marker stripped from one copy of a repeated paragraph cannot make the two copies differ;
    author bios last, because "first or last paragraph" means once the page chrome around them
    (a share row after the bio, a read-time line before it) is gone."""
    out = list(paragraphs)
    removed: list[tuple[str, str]] = []
    if duplicates:
        dup = remove_duplicates(out, title=title, description=description)
        out = dup.paragraphs
        removed.extend((f"duplicates/{kind}", text) for kind, text in dup.removed)
    if rules is not None and len(rules):
        res = rules.apply(out)
        out = res.paragraphs
        removed.extend((f"rules/{cat}", text) for cat, text in res.removed)
    if authors:
        res_authors = remove_author_lines(out, authors)
        out = res_authors.paragraphs
        removed.extend((f"rules/{kind}", text) for kind, text in res_authors.removed)
    return CleanResult(out, removed)
