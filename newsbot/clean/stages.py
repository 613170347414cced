"""The stateless clean stages as one pure function, for worker processes.

:func:`clean_paragraphs` runs, in the pipelines' order, duplicate removal and the boilerplate
rules with, when the record's author names are given, the removal of their byline and bio
(:mod:`.authors`). Template learning (state per source) and the quality verdict stay in the
pipelines, in the main process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from newsbot.clean.duplicates import DuplicateResult, remove_duplicates
from newsbot.clean.rules import RuleSet, RulesResult, apply_rules


@dataclass
class CleanResult:
    paragraphs: list[str]
    #: (stage, text): stage is ``duplicates/<kind>`` or ``rules/<category>``
    removed: list[tuple[str, str]] = field(default_factory=list)
    #: each stage's own result (None: the stage was off or had no text)
    duplicates: DuplicateResult | None = None
    rules: RulesResult | None = None


def clean_paragraphs(
    paragraphs: Sequence[str],
    *,
    title: str | None = None,
    description: str | None = None,
    rules: RuleSet | None = None,
    duplicates: bool = True,
    authors: Sequence[str] | None = None,
) -> CleanResult:
    """Duplicates, then rules with the authors' byline and bio: exactly what DuplicateTextPipeline
    and BoilerplateRulesPipeline do in a crawl (the extraction worker runs this for them, and the
    cleaning benchmark measures it). Rules run after deduplication so that a marker stripped from
    one copy of a repeated paragraph cannot make the two copies differ; author bios last, because
    "first or last paragraph" means once the page chrome around them (a share row after the bio,
    a read-time line before it) is gone. Like the pipelines, a stage is skipped when no text is left.
    """
    res = CleanResult(list(paragraphs))
    if duplicates and res.paragraphs:
        res.duplicates = remove_duplicates(res.paragraphs, title=title, description=description)
        res.paragraphs = res.duplicates.paragraphs
        res.removed.extend((f"duplicates/{kind}", text) for kind, text in res.duplicates.removed)
    if rules is not None and res.paragraphs:
        res.rules = apply_rules(rules, res.paragraphs, authors)
        res.paragraphs = res.rules.paragraphs
        res.removed.extend((f"rules/{cat}", text) for cat, text in res.rules.removed)
    return res
