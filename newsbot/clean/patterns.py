"""What a boilerplate rule's regular expression can match, found before matching it.

The rules stage tries a few hundred rules on every paragraph; most cannot match most paragraphs,
and knowing which cannot is cheaper than trying them. Both analyses read CPython's own parse of the
pattern (through :mod:`newsbot.compat`, ``re`` having no public parse tree); if it is missing or
changes, they answer "unknown" and every rule is tried.

* :func:`first_chars`: the characters a match can start with;
* :func:`required_literals`: strings one of which every match contains, in :func:`canonical` form,
  so that ``any(lit in canonical(text) ...)`` is False only when the pattern cannot match ``text``.
"""

from __future__ import annotations

from typing import Any

from newsbot.compat import EXTRA_CASES, REGEX_CONSTANTS, parse_regex, unicode_tolower


def first_chars(pattern: str, flags: int) -> frozenset[str] | None:
    """The characters (:func:`canonical` form) a match of ``pattern`` can start with; None if it
    may start with any character (or the pattern is beyond this analysis): then the rule is tried
    on every line. Compare with ``canonical(text[0])``: the classes are the engine's own, so "ı"
    finds the rules that start with "i"."""
    found = _analyse(pattern, flags, _first)
    return frozenset(found) if found is not None else None


def _analyse(pattern: str, flags: int, walk: Any) -> set[str] | None:
    """``walk`` over CPython's parse of ``pattern``; None when the parser or the engine's case
    classes are not there, or the parse is not what ``walk`` knows: then every rule is tried."""
    try:
        items = parse_regex(pattern, flags)
        return None if items is None else walk(items)  # type: ignore[no-any-return]
    except Exception:
        return None


def _first(items: list[tuple[Any, Any]]) -> set[str] | None:
    c: Any = REGEX_CONSTANTS
    out: set[str] = set()
    for op, av in items:
        if op is c.AT:  # ^, $, \b: consume nothing
            continue
        if op is c.LITERAL:
            return out | {canonical(chr(av))}
        if op is c.IN:
            for sub_op, sub_av in av:
                if sub_op is c.LITERAL:
                    chars = [chr(sub_av)]
                elif sub_op is c.RANGE and sub_av[1] - sub_av[0] <= 256:
                    chars = [chr(x) for x in range(sub_av[0], sub_av[1] + 1)]
                else:  # a negated set, \w, \d, a wide range
                    return None
                out |= {canonical(x) for x in chars}
            return out
        if op is c.SUBPATTERN or op is c.MAX_REPEAT or op is c.MIN_REPEAT:
            sub = av[3] if op is c.SUBPATTERN else av[2]
            found = _first(list(sub))
            if found is None:
                return None
            out |= found
            if (op is c.SUBPATTERN and sub.getwidth()[0] > 0) or (op is not c.SUBPATTERN and av[0] > 0):
                return out
            continue  # may match nothing: what follows can come first too
        if op is c.BRANCH:
            for branch in av[1]:
                found = _first(list(branch))
                if found is None:
                    return None
                out |= found
            if min(branch.getwidth()[0] for branch in av[1]) > 0:
                return out
            continue
        return None  # ., lookarounds, anything else
    return None  # the whole pattern may match the empty string at its start


class _Canonical(dict[int, str]):
    """``str.translate`` table to one character per class of characters the engine takes as equal
    when ignoring case: its lower case, then the smallest of the extra cases it also accepts
    ("ı" and "i", "ſ" and "s", "İ" lowers to "i"). Filled as characters are seen."""

    def __missing__(self, code: int) -> str:
        low = unicode_tolower(code)
        out = self[code] = chr(min((low, *EXTRA_CASES.get(low, ()))))
        return out


_CANONICAL = _Canonical()


def canonical(text: str) -> str:
    """``text`` with every character replaced by the representative of its ignore-case class."""
    return text.translate(_CANONICAL)


def required_literals(pattern: str, flags: int) -> frozenset[str] | None:
    """Strings (canonical form) one of which any match of ``pattern`` contains; None if unknown.

    Folding case here is safe whatever the pattern's flags: it can only make the test pass more.
    """
    found = _analyse(pattern, flags, _needed)
    return frozenset(found) if found else None


def _better(a: set[str] | None, b: set[str] | None) -> set[str] | None:
    # The set whose shortest string is longest rules out most paragraphs.
    if not b or not all(b):
        return a
    if not a or min(map(len, b)) > min(map(len, a)):
        return b
    return a


def _needed(items: list[tuple[Any, Any]]) -> set[str] | None:
    c: Any = REGEX_CONSTANTS
    best: set[str] | None = None
    run: list[str] = []
    for op, av in items:
        if op is c.LITERAL:
            run.append(chr(av))
            continue
        if run:
            best = _better(best, {canonical("".join(run))})
            run = []
        if op is c.SUBPATTERN:
            best = _better(best, _needed(list(av[3])))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1:
            best = _better(best, _needed(list(av[2])))
        elif op is c.ATOMIC_GROUP:
            best = _better(best, _needed(list(av)))
        elif op is c.BRANCH:
            branches = [_needed(list(b)) for b in av[1]]
            if all(branches):
                best = _better(best, set().union(*branches))  # type: ignore[arg-type]
        # anything else (a set, ".", an anchor, a lookaround) ends a run and requires nothing
    if run:
        best = _better(best, {canonical("".join(run))})
    return best
