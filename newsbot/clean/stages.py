"""The stateless clean stages as one function, outside a crawl.

:func:`clean_paragraphs` runs, in the plan's order, duplicate removal and the boilerplate rules
with, when the record's author names are given, the removal of their byline and bio
(:mod:`.authors`). Template learning (state per source) stays in the main process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

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
    """The stateless clean stages of the crawl's plan (:mod:`newsbot.process.stages`: duplicates,
    then rules with the authors' byline and bio), the very functions the worker call runs, for
    the cleaning benchmark and ``newsbot extract``. Like the crawl, a stage is skipped when no
    text is left.
    """
    from newsbot.process import stages
    from newsbot.process.page import Page
    from newsbot.process.plan import Plan

    chosen = ([stages.duplicates] if duplicates else []) + ([stages.rules] if rules is not None else [])
    plan = Plan(tuple(chosen), rules=rules)
    page = Page(url="", title=title, description=description, authors=list(authors or []))
    page.paragraphs = list(paragraphs)
    for fn in plan.stages:
        fn(page, plan)
    return CleanResult(page.paragraphs, page.removed)
