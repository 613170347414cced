"""Duplicated text within one record.

Pages repeat themselves: the headline again as the first body line, the standfirst twice, the
whole article block rendered twice (desktop and mobile markup), a pull quote that repeats a
sentence of the body, an author bio at the top and the bottom. :func:`remove_duplicates` keeps the
first occurrence of each text, in order, and reports what it dropped.

Comparison works on :func:`newsbot.clean.text.normalise` forms (NFKC, case, quotes, dashes,
whitespace). Exact repeats are found with a hash set in one pass; only paragraphs of nearly the
same length *and* the same numbers are compared character by character, with a bounded edit
distance that tolerates a typo or two but not a changed word: "On Monday, 12 people were
killed" and "On Tuesday, 15 people were killed" are different paragraphs and both stay.

Everything here is a pure function of its arguments (per document, no process-wide cache, unlike
trafilatura's ``deduplicate``), so it runs in worker processes and gives the same result for the
same page whatever was crawled before it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from newsbot.clean.text import normalise, strip_quotes, words

_NUMBER = re.compile(r"\d+")

#: A repeated paragraph this long is dropped wherever it is; shorter ones only as part of a run
#: of repeated paragraphs (a block rendered twice). Short lines repeat legitimately: a table
#: header, an interview question, "Eat every 2-3 hours" in a meal plan, a "See it now" link.
ISOLATED_MIN_WORDS = 12
#: A pull quote is a short paragraph; longer ones that are contained in another paragraph are
#: left to the block rule (contained in the *earlier* text) so that nothing long is dropped
#: because of a later paragraph.
PULL_QUOTE_MAX_WORDS = 60
#: Shorter paragraphs are not dropped for being contained in other text: "Yes." or "He left."
#: repeat naturally in prose.
CONTAINED_MIN_WORDS = 8
#: A paragraph that is nothing but a quotation (in quote marks from end to end) is a pull quote
#: from this many words when its words occurred, as whole words, in an earlier paragraph: pull
#: quotes are often a short fragment of a quoted sentence ("«Діти дуже сумували за однокласниками»").
#: Only earlier text counts: a short quote *before* the text that repeats it is a slogan or a
#: quote the story comes back to ("“Meth. We’re on it.”" as the first line of a story about it).
QUOTED_MIN_WORDS = 3
_QUOTED = re.compile(r"""^["'].*["'][.!?…]?$""")
MAX_BLOCK_SEARCH_CHARS = 200_000
#: A paragraph that occurs this many times or more is part of a structure the article repeats
#: (an interview's question put to each guest, "Eat every 2-3 hours" under each meal of a plan),
#: not a copy: a block rendered twice (desktop and mobile markup) repeats each paragraph twice.
#: All its occurrences stay; boilerplate repeated that often is the rules' and templates' job.
RECURRING_MIN = 3


@dataclass
class DuplicateResult:
    paragraphs: list[str]
    #: (kind, text) with kind one of "title", "exact", "near", "block", "pull_quote"
    removed: list[tuple[str, str]] = field(default_factory=list)


MAX_EDITS = 3


def max_edits(length: int) -> int:
    """Edits tolerated between two paragraphs of this (normalised) length (at most MAX_EDITS)."""
    if length < 20:
        return 0
    if length < 60:
        return 1
    if length < 300:
        return 2
    return MAX_EDITS


def within_distance(a: str, b: str, k: int) -> bool:
    """Levenshtein distance of ``a`` and ``b`` is at most ``k`` (banded DP, O(len * k))."""
    if abs(len(a) - len(b)) > k:
        return False
    if a == b:
        return True
    if k == 0:
        return False
    # Trim the common prefix and suffix: a typo leaves most of the text identical.
    start = 0
    end_a, end_b = len(a), len(b)
    while start < end_a and start < end_b and a[start] == b[start]:
        start += 1
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a -= 1
        end_b -= 1
    a, b = a[start:end_a], b[start:end_b]
    if len(a) > len(b):
        a, b = b, a
    n, m = len(a), len(b)
    if n == 0:
        return m <= k
    big = k + 1
    prev = [j if j <= k else big for j in range(m + 1)]
    for i in range(1, n + 1):
        lo, hi = max(1, i - k), min(m, i + k)
        cur = [big] * (m + 1)
        cur[0] = i if i <= k else big
        ca = a[i - 1]
        best = cur[0]
        for j in range(lo, hi + 1):
            cost = 0 if ca == b[j - 1] else 1
            v = min(prev[j - 1] + cost, prev[j] + 1, cur[j - 1] + 1)
            cur[j] = v if v <= k else big
            if cur[j] < best:
                best = cur[j]
        if best > k:
            return False
        prev = cur
    return prev[m] <= k


def _numbers(norm: str) -> tuple[str, ...]:
    return tuple(_NUMBER.findall(norm))


def _near(a: str, b: str) -> bool:
    """Same text but for a typo: same numbers, nearly the same words, within a few edits."""
    if abs(len(a) - len(b)) > MAX_EDITS:
        return False  # cheap first: most pairs differ in length by more than any typo could
    if _numbers(a) != _numbers(b):
        return False
    if not within_distance(a, b, max_edits(min(len(a), len(b)))):
        return False
    wa, wb = words(a), words(b)
    # A typo changes one word (or splits/joins two); more changed words means different text.
    diff = set(wa) ^ set(wb)
    # "Plan E" / "Plan F": a changed one- or two-letter word is a different text, not a typo.
    return len(diff) <= 4 and all(len(w) >= 4 for w in diff)


def is_same_text(a: str, b: str) -> bool:
    """Public helper: are two paragraphs the same text (exactly or but for a typo)?"""
    na, nb = normalise(a), normalise(b)
    return na == nb or _near(na, nb)


def remove_duplicates(
    paragraphs: Sequence[str],
    *,
    title: str | None = None,
    description: str | None = None,
    headline: str | None = None,
) -> DuplicateResult:
    """Keep the first occurrence of each paragraph; drop the headline repeated in the body: the
    record's ``title`` or the ``headline`` the page shows when that differs (a social title in
    og:title, the shown one in ``<h1>``).

    ``description`` (the standfirst) is kept once if the body repeats it; it is never dropped for
    being contained in another paragraph, since the gold standard of every news page keeps it.
    """
    kept: list[str] = []
    removed: list[tuple[str, str]] = []
    seen: set[str] = set()
    # Candidates for near-duplicate checks, by number signature (cheap filter before edit distance).
    by_numbers: dict[tuple[str, ...], list[str]] = {}
    titles = tuple(normalise(t) for t in (title, headline) if t)
    desc_norm = strip_quotes(normalise(description)) if description else None
    norms = [normalise(p) for p in paragraphs]
    earlier = ""
    # Quadratic text searches are skipped on giant documents (live blogs): exact and near
    # duplicates are still removed there.
    search_blocks = sum(len(n) for n in norms) <= MAX_BLOCK_SEARCH_CHARS
    # Paragraphs that merely repeat earlier text (a block copy with merged paragraphs) do not
    # make the earlier paragraphs "pull quotes" of them.
    containers = _non_repeating(norms) if search_blocks else []

    # First pass: what each paragraph is a repeat of (None for first occurrences).
    kinds: list[str | None] = []
    for para, norm in zip(paragraphs, norms, strict=True):
        kind = _classify(para, norm, titles, desc_norm, seen, by_numbers, earlier, containers, search_blocks)
        kinds.append(kind)
        if kind is None and norm:
            seen.add(norm)
            by_numbers.setdefault(_numbers(norm), []).append(norm)
            # Joined with spaces: a block whose paragraphs were merged still matches.
            earlier = earlier + " " + norm if earlier else norm
    occurrences = Counter(norms)
    # Second pass: short exact/near repeats go only when a neighbour is a repeat too.
    for i, (para, norm, kind) in enumerate(zip(paragraphs, norms, kinds, strict=True)):
        if not norm:
            continue
        if kind in ("exact", "near") and norm.startswith("|"):
            kind = None  # a table row or repeated table header (trafilatura renders tables as "| a | b |")
        elif kind == "exact" and occurrences[norm] >= RECURRING_MIN:
            kind = None  # a recurring element of the article's own structure
        elif kind in ("exact", "near") and len(words(norm)) < ISOLATED_MIN_WORDS:
            in_run = (i > 0 and kinds[i - 1] in _REPEATS) or (i + 1 < len(kinds) and kinds[i + 1] in _REPEATS)
            if not in_run:
                kind = None
        if kind is None:
            kept.append(para)
        else:
            removed.append((kind, para))
    return DuplicateResult(kept, removed)


_REPEATS = frozenset({"exact", "near", "block"})


def _classify(
    para: str,
    norm: str,
    titles: tuple[str, ...],
    desc_norm: str | None,
    seen: set[str],
    by_numbers: dict[tuple[str, ...], list[str]],
    earlier: str,
    norms: Sequence[str],
    search_blocks: bool,
) -> str | None:
    if not norm:
        return None
    if any(norm == t or _near(norm, t) for t in titles):
        return "title"
    if norm in seen:
        return "exact"
    if any(_near(norm, c) for c in by_numbers.get(_numbers(norm), ())):
        return "near"
    bare = strip_quotes(norm)
    n_words = len(words(bare))
    if search_blocks and n_words >= CONTAINED_MIN_WORDS and bare != desc_norm:
        # A block repeated with different paragraph breaks: this text is already in the body.
        if bare in earlier:
            return "block"
        # A pull quote printed before (or after) the sentence it repeats.
        if n_words <= PULL_QUOTE_MAX_WORDS and _contained_elsewhere(bare, norm, norms):
            return "pull_quote"
    elif search_blocks and QUOTED_MIN_WORDS <= n_words < CONTAINED_MIN_WORDS and _QUOTED.match(norm):
        if re.search(rf"(?<!\w){re.escape(bare)}(?!\w)", earlier):
            return "pull_quote"
    return None


def _non_repeating(norms: Sequence[str]) -> list[str]:
    out: list[str] = []
    joined = ""
    for norm in norms:
        if not norm or (len(words(norm)) >= CONTAINED_MIN_WORDS and norm in joined):
            continue
        out.append(norm)
        joined = joined + " " + norm if joined else norm
    return out


def _contained_elsewhere(bare: str, norm: str, norms: Sequence[str]) -> bool:
    """``bare`` occurs inside a longer paragraph other than its own."""
    return any(len(other) > len(norm) and bare in other for other in norms if other != norm)
