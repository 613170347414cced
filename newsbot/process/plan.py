"""The processing plan: which stages run on every page, with which parameters, in which order.

The plan is built once per crawl from the settings (:func:`newsbot.process.build.build_plan`),
is plain picklable data, and goes to the worker pool with every page; the stage functions
themselves pickle by reference, so a worker imports each module once. A stage is one function
``stage(page, plan)`` writing its own fields of :class:`~newsbot.process.page.Page`, and one
entry in ``NEWSBOT_PAGE_STAGES``::

    NEWSBOT_PAGE_STAGES = {"myproject.stages.strip_signatures": 215}   # between rules and templates

The template stage splits the plan in two: what runs before it depends only on the page; what
runs after it also on the source's learned templates, so the main process re-runs that part
(:func:`finish_page`) for the rare page whose snapshot it finds out of date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from newsbot.clean.quality import QualityConfig
from newsbot.process.page import Page

if TYPE_CHECKING:
    from newsbot.clean.rules import RuleSet

StageFn = Callable[[Page, "Plan"], None]
F = TypeVar("F", bound=Callable[..., None])

#: the name of the stage that strips a source's learned templates (see the module docstring)
TEMPLATES = "templates"


def stage(name: str, *, enabled_by: str | None = None) -> Callable[[F], F]:
    """Mark a function as a page stage called ``name``; ``enabled_by`` names the boolean setting
    that switches it off (read once, when the plan is built)."""

    def mark(fn: F) -> F:
        fn.stage_name = name  # type: ignore[attr-defined]
        fn.enabled_by = enabled_by  # type: ignore[attr-defined]
        return fn

    return mark


def stage_name(fn: StageFn) -> str:
    return getattr(fn, "stage_name", getattr(fn, "__name__", repr(fn)))


@dataclass(frozen=True)
class Plan:
    stages: tuple[StageFn, ...] = ()
    #: rules: the rule files (checked by the main process when the plan was built)
    rule_paths: tuple[str, ...] = ()
    #: rules: compiled rules to use instead of loading ``rule_paths`` (benchmarks, one-off tools)
    rules: RuleSet | None = field(default=None, compare=False)
    #: relevance: the lexicon directory
    lexicon: str | None = None
    quality: QualityConfig = field(default_factory=QualityConfig)
    #: shingles: (shingle size, minimum shingles) of the near-duplicate index
    neardup: tuple[int, int] = (5, 3)
    #: language: the languages kept (empty: all); a page in another stops after detection
    languages: frozenset[str] = frozenset()
    #: relevance: the minimum score kept; a page below stops after scoring
    min_score: float = 0.0

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(stage_name(s) for s in self.stages)

    def has(self, name: str) -> bool:
        return name in self.names


def _run(plan: Plan, page: Page, stages: tuple[StageFn, ...]) -> Page:
    for fn in stages:
        if page.stopped:
            break
        fn(page, plan)
    page.html = None  # not sent back
    page.normal = None
    return page


def process_page(plan: Plan, page: Page) -> Page:
    """Every stage of ``plan`` on one page: the worker call the crawl makes for each page."""
    return _run(plan, page, plan.stages)


def finish_page(plan: Plan, page: Page) -> Page:
    """The stages after the template stage, on a page whose templates the main process stripped
    again with the source's current state."""
    names = plan.names
    start = names.index(TEMPLATES) + 1 if TEMPLATES in names else 0
    page.stopped = False
    return _run(plan, page, plan.stages[start:])
