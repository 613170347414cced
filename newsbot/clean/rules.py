"""Boilerplate rules: plain-text rule files under ``settings/cleaning/`` (and the user's own).

A rule file holds one rule per line::

    # comment (whole line)
    [read_more]                     # a section: the category counted in stats
    line: read (?:more|also)\\s*:.*  # the WHOLE paragraph matches (after whitespace folding)
    prefix: \\[click to enlarge\\]\\s*\\|?\\s*   # a delimited marker at the start of a paragraph
    suffix: \\(photo: [^()]{1,60}\\)              # a delimited marker at the end
    define: MONTH = jan(?:uary)?|feb(?:ruary)?  # a named fragment, used later as {{MONTH}}

Patterns are Python regular expressions, matched case-insensitively. A ``line`` rule removes the
paragraph; ``prefix``/``suffix`` rules cut the fragment and keep the rest (the paragraph goes only
if nothing but punctuation is left). Rules must match a whole line or a clearly delimited marker,
never a bare word inside prose: "Share prices fell" and "The advertisement campaign was pulled"
are sentences, "Share" and "Advertisement" alone on a line are page chrome.

All rules of one kind are compiled into a single alternation (one named group per rule, so the
matching rule's category is known) for speed. Files are validated at load: a bad pattern stops the
run with a :class:`~newsbot.config.errors.ConfigError` naming file, line and field.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newsbot.clean.authors import remove_author_lines
from newsbot.clean.patterns import canonical, first_chars, required_literals
from newsbot.clean.text import fold_space
from newsbot.config.args import split_list
from newsbot.config.errors import ConfigError
from newsbot.config.paths import resolve, settings_path

logger = logging.getLogger(__name__)

KINDS = ("line", "prefix", "suffix")
RULE_FILE_SUFFIX = ".rules"
FLAGS = re.IGNORECASE | re.UNICODE

_SECTION = re.compile(r"^\[([A-Za-z0-9_.-]+)\]$")
_DEFINE = re.compile(r"^([A-Z][A-Z0-9_]*)\s*=\s*(.+)$")
_MACRO = re.compile(r"\{\{([A-Z][A-Z0-9_]*)\}\}")
_NAMED_GROUP = re.compile(r"\(\?P<")
#: What may be left of a paragraph after a marker is cut without it counting as text.
_ONLY_PUNCT = re.compile(r"^[\W_]*$")


@dataclass(frozen=True)
class Rule:
    kind: str
    category: str
    pattern: str
    where: str
    line: int


@dataclass
class RulesResult:
    paragraphs: list[str]
    #: (category, text removed): the whole paragraph for ``line`` rules, the fragment otherwise
    removed: list[tuple[str, str]] = field(default_factory=list)


def parse_rules(text: str, where: str, check: bool = True) -> list[Rule]:
    """Parse one rule file; raises :class:`ConfigError` on the first bad line (a pattern that does
    not compile or matches the empty string only with ``check``)."""
    rules: list[Rule] = []
    defines: dict[str, str] = {}
    category = Path(where).stem
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        section = _SECTION.match(line)
        if section:
            category = section.group(1)
            continue
        kind, sep, pattern = line.partition(":")
        kind = kind.strip().lower()
        pattern = pattern.strip()
        if not sep or (kind not in KINDS and kind != "define"):
            raise ConfigError(
                where, "kind", "expected 'line:', 'prefix:', 'suffix:' or 'define:' before the rule", lineno
            )
        if not pattern:
            raise ConfigError(where, kind, "empty pattern", lineno)
        if kind == "define":
            m = _DEFINE.match(pattern)
            if not m:
                raise ConfigError(where, "define", "expected 'define: NAME = pattern'", lineno)
            defines[m.group(1)] = _expand(m.group(2).strip(), defines, where, lineno)
            if check:
                _check(defines[m.group(1)], where, "define", lineno)
            continue
        pattern = _expand(pattern, defines, where, lineno)
        if _NAMED_GROUP.search(pattern):
            raise ConfigError(where, kind, "named groups (?P<...>) are not allowed; use (?:...)", lineno)
        if check:
            _check(pattern, where, kind, lineno)
            if re.fullmatch(pattern, "", FLAGS):
                raise ConfigError(where, kind, "pattern matches the empty string", lineno)
        rules.append(Rule(kind, category, pattern, where, lineno))
    return rules


def _expand(pattern: str, defines: dict[str, str], where: str, lineno: int) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in defines:
            raise ConfigError(where, "define", f"{{{{{name}}}}} is not defined above this line", lineno)
        return f"(?:{defines[name]})"

    return _MACRO.sub(sub, pattern)


def _check(pattern: str, where: str, field_name: str, lineno: int) -> None:
    try:
        re.compile(pattern, FLAGS)
    except re.error as exc:
        raise ConfigError(where, field_name, f"bad regular expression: {exc}", lineno) from exc


#: How far from the end of a paragraph a ``suffix`` marker may start.
SUFFIX_WINDOW = 200
#: ``line`` rules describe short lines (a credit, a prompt, a notice); a paragraph longer than
#: this is prose, and trying ~200 alternatives on it was a third of the clean stage's time.
LINE_RULE_MAX_CHARS = 600


class RuleSet:
    """Compiled rules; picklable (patterns are re-compiled on unpickling) for worker processes.

    The regular expression engine tries the alternatives of an alternation one by one, and trying
    every rule on every paragraph was most of the clean stage's time. So a paragraph is matched
    against alternations of only the rules that can match it: the ``line`` rules whose match can
    start with the paragraph's first character (:func:`~newsbot.clean.patterns.first_chars`), plus
    those that can start with any; the ``suffix`` rules whose required strings
    (:func:`~newsbot.clean.patterns.required_literals`) are in the paragraph's tail. Alternations
    are compiled on first use, per process.
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = list(rules)
        line = [r for r in self.rules if r.kind == "line"]
        first = [first_chars(r.pattern, FLAGS) for r in line]
        # Rules that can start with any character are one alternation of their own, compiled
        # once, rather than a part of the alternation of every first character (~40 on aeb-dev,
        # ~1.5 s of compiling in every worker process).
        self._line_by_char = _Candidates(
            [(n, r) for n, (r, f) in enumerate(zip(line, first, strict=True)) if f is not None],
            "^(?:{})$",
            first=[f for f in first if f is not None],
        )
        self._line_anywhere = _Candidates(
            [(n, r) for n, (r, f) in enumerate(zip(line, first, strict=True)) if f is None], "^(?:{})$"
        )
        self._suffix = _Candidates(
            list(enumerate(r for r in self.rules if r.kind == "suffix")), "(?:{})$", select="literals"
        )
        self._prefix = _Candidates(list(enumerate(r for r in self.rules if r.kind == "prefix")), "^(?:{})")

    def __len__(self) -> int:
        return len(self.rules)

    def __reduce__(self) -> tuple[type[RuleSet], tuple[list[Rule]]]:
        return (RuleSet, (self.rules,))

    def match_line(self, text: str) -> str | None:
        """Category of the ``line`` rule that matches the whole (folded) paragraph, if any."""
        if not text or len(text) > LINE_RULE_MAX_CHARS:
            return None
        # Each set's first matching rule; of the two, the one first in the files wins, as in
        # one alternation of all the rules.
        found = [
            f for f in (self._line_by_char.match(text, text), self._line_anywhere.match(text, text)) if f
        ]
        return min(found)[1] if found else None

    def apply(self, paragraphs: Iterable[str]) -> RulesResult:
        kept: list[str] = []
        removed: list[tuple[str, str]] = []
        label = False  # the paragraph before was a "Read more:" label alone
        for para in paragraphs:
            text = fold_space(para)
            if not text:
                continue
            if label and _is_headline(text):
                # the label's link text, on a line of its own: "Read more:" / "<headline>"
                removed.append(("read_more", para))
                label = False
                continue
            category = self.match_line(_one_cell(text) or text)
            label = category == "read_more" and text.endswith(":")
            if category:
                removed.append((category, para))
                continue
            cut = self._cut_markers(text, removed)
            if _ONLY_PUNCT.match(cut):
                continue
            if cut != text:
                category = self.match_line(cut)
                if category:
                    removed.append((category, cut))
                    continue
            text = cut
            kept.append(text if text != fold_space(para) else para)
        return RulesResult(kept, removed)

    def _cut_markers(self, text: str, removed: list[tuple[str, str]]) -> str:
        # A few rounds: "[click to enlarge] | Photo: AFP | caption" has two markers in a row.
        for _ in range(3):
            changed = False
            found = self._prefix.match(text, text)
            if found and found[2].end() > 0:
                removed.append((found[1], found[2].group(0).strip()))
                text = text[found[2].end() :].strip()
                changed = True
            if text:
                # Markers are short: search only the tail, or the alternation is tried at every
                # position of a long paragraph (most of the clean stage's time, measured).
                start = max(0, len(text) - SUFFIX_WINDOW)
                found = self._suffix.search(text, start)
                if found and found[2].end() > found[2].start():
                    removed.append((found[1], found[2].group(0).strip()))
                    text = text[: found[2].start()].strip()
                    changed = True
            if not changed or not text:
                break
        return text


#: A headline: a line of fewer words than this that does not end like a sentence.
HEADLINE_WORDS = 15
_SENTENCE_END = (".", "!", "?", "。", "؟", '"', "”", "»")


def _is_headline(text: str) -> bool:
    return len(text.split()) < HEADLINE_WORDS and not text.endswith(_SENTENCE_END)


class _Candidates:
    """Rules of one kind, compiled into alternations of the rules that can match a text.

    ``rules`` are (order, rule) pairs: a match names the rule's order, so that a caller matching
    several sets can keep the first rule as one alternation would. With ``first`` (the characters
    each rule's match can start with, none None) a text is tried against the rules that can start
    with its first character; with ``select="literals"``, against the rules whose required strings
    are in the part of the text a match can lie in; else against all of them.
    """

    def __init__(
        self,
        rules: list[tuple[int, Rule]],
        frame: str,
        first: list[frozenset[str]] | None = None,
        select: str | None = None,
    ) -> None:
        self.rules = rules
        self.frame = frame
        self.first = first
        # required string -> the rules that need it (one of the strings of their set)
        self.needing: dict[str, list[int]] = {}
        always: set[int] = set()
        for i, (_order, rule) in enumerate(rules):
            literals = required_literals(rule.pattern, FLAGS) if select == "literals" else None
            if literals is None:
                always.add(i)
            for lit in literals or ():
                self.needing.setdefault(lit, []).append(i)
        self.always = frozenset(always)
        self._startable: dict[str, frozenset[int]] = {}
        self._compiled: dict[frozenset[int], tuple[re.Pattern[str] | None, list[int]]] = {}

    def _chosen(self, text: str, window: str) -> frozenset[int]:
        """The rules that can match ``text`` (whose part a match can lie in is ``window``)."""
        if self.first is not None:
            key = canonical(text[0]) if text else ""
            chosen = self._startable.get(key)
            if chosen is None:
                if len(self._startable) >= 4096:  # a bound, for texts in every script at once
                    self._startable.clear()
                chosen = frozenset(i for i, first in enumerate(self.first) if key in first)
                self._startable[key] = chosen
            return chosen
        if not self.needing:
            return self.always
        canon = canonical(window)
        return self.always.union(i for lit, rules in self.needing.items() if lit in canon for i in rules)

    def _pattern(self, text: str, window: str) -> tuple[re.Pattern[str] | None, list[int]]:
        # Keyed by the rules chosen, not by what chose them: most first characters (every letter
        # no rule starts with) share one alternation, and compiling one costs milliseconds.
        chosen = self._chosen(text, window)
        entry = self._compiled.get(chosen)
        if entry is None:
            members = sorted(chosen)
            parts = [f"(?P<r{n}>{self.rules[i][1].pattern})" for n, i in enumerate(members)]
            pattern = re.compile(self.frame.format("|".join(parts)), FLAGS) if parts else None
            if len(self._compiled) >= 1024:
                self._compiled.clear()
            entry = self._compiled[chosen] = (pattern, members)
        return entry

    def _found(self, members: list[int], m: re.Match[str] | None) -> tuple[int, str, re.Match[str]] | None:
        if m is None:
            return None
        # The outermost group of the matching alternative closes last, so it is ``lastgroup``.
        order, rule = self.rules[members[int((m.lastgroup or "r0")[1:])]]
        return order, rule.category, m

    def match(self, text: str, window: str) -> tuple[int, str, re.Match[str]] | None:
        """(order, category, match) of the first rule matching at the start of ``text``, which
        holds ``window``."""
        pattern, members = self._pattern(text, window)
        return self._found(members, pattern.match(text)) if pattern is not None else None

    def search(self, text: str, start: int) -> tuple[int, str, re.Match[str]] | None:
        """(order, category, match) of the rule matching first in ``text[start:]``."""
        pattern, members = self._pattern(text, text[start:])
        return self._found(members, pattern.search(text, start)) if pattern is not None else None


def rule_files(paths: Iterable[str | Path]) -> list[Path]:
    """Rule files named by the setting: files as given, directories as their ``*.rules`` files."""
    files: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files.extend(sorted(path.glob(f"*{RULE_FILE_SUFFIX}")))
        elif path.is_file():
            files.append(path)
        else:
            raise ConfigError(str(path), "NEWSBOT_CLEANING_RULES", "no such file or directory")
    return files


def load_rules(paths: Iterable[str | Path], check: bool = True) -> RuleSet:
    """Parse and compile every rule file under ``paths``; raises :class:`ConfigError`.

    ``check=False`` skips compiling each pattern on its own (a third of the load time), for rules
    already checked in this run."""
    rules: list[Rule] = []
    for path in rule_files(paths):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(str(path), None, f"cannot read: {exc}") from exc
        rules.extend(parse_rules(text, str(path), check))
    ruleset = RuleSet(rules)
    logger.debug("Loaded %d cleaning rules", len(ruleset))
    return ruleset


def resolve_rule_paths(setting: str | Sequence[str] | None) -> list[Path]:
    """Paths of ``NEWSBOT_CLEANING_RULES`` (a list, or a comma-separated string); relative paths
    are taken from the project root. Default: ``settings/cleaning``."""
    default = settings_path("cleaning")
    return [resolve(v, default) for v in split_list(setting)] or [default]


@functools.lru_cache(maxsize=8)
def cached_rules(paths: tuple[str, ...]) -> RuleSet:
    """The rules of ``paths``, loaded once per process: in the crawl's worker processes, rules
    the main process checked when the crawl started (:func:`newsbot.process.build.build_plan`
    stops a run with a bad rule before it fetches anything)."""
    return load_rules(paths, check=False)


def _one_cell(text: str) -> str | None:
    """The text of a layout table's row with one non-empty cell ("| | Kommentare: 0 | |"), which the
    rules read as a line; None for any other paragraph (a row of two cells or more is data)."""
    if not (text.startswith("|") and text.endswith("|")):
        return None
    cells = [c for c in (c.strip() for c in text[1:-1].split("|")) if c]
    return cells[0] if len(cells) == 1 else None


def apply_rules(
    rules: RuleSet, paragraphs: Sequence[str], authors: Sequence[str] | None = None
) -> RulesResult:
    """The boilerplate-rules stage: the rules, then, with the record's ``authors``, their byline
    and bio (:mod:`newsbot.clean.authors`; categories ``byline``, ``author_bio``)."""
    res = rules.apply(paragraphs)
    if authors:
        by_author = remove_author_lines(res.paragraphs, authors)
        res = RulesResult(by_author.paragraphs, res.removed + by_author.removed)
    return res


def apply_rule_files(
    paths: tuple[str, ...], paragraphs: Sequence[str], authors: Sequence[str] | None = None
) -> RulesResult:
    """:func:`apply_rules` with the rules of ``paths``: what a worker process runs, so that the
    compiled rules are not sent along with every page."""
    return apply_rules(cached_rules(paths), paragraphs, authors)


def default_ruleset() -> RuleSet:
    """The bundled rules (``settings/cleaning`` of the project)."""
    return load_rules(resolve_rule_paths(None))
