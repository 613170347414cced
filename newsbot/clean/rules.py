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
from typing import Any

from newsbot.clean.authors import remove_author_lines
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


def parse_rules(text: str, where: str) -> list[Rule]:
    """Parse one rule file; raises :class:`ConfigError` on the first bad line."""
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
            _check(defines[m.group(1)], where, "define", lineno)
            continue
        pattern = _expand(pattern, defines, where, lineno)
        if _NAMED_GROUP.search(pattern):
            raise ConfigError(where, kind, "named groups (?P<...>) are not allowed; use (?:...)", lineno)
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


def _fold(ch: str) -> str:
    return ch.casefold()[:1]


def first_chars(pattern: str) -> frozenset[str] | None:
    """The case-folded characters a match of ``pattern`` can start with; None if it may start with
    any character (or the pattern is beyond this analysis): then the rule is tried on every line."""
    try:
        parsed = re._parser.parse(pattern, FLAGS)  # type: ignore[attr-defined]
        found = _first(list(parsed))
    except Exception:  # CPython's own parser: if it is not there or changes, try every rule
        return None
    return frozenset(found) if found is not None else None


def _first(items: list[tuple[Any, Any]]) -> set[str] | None:
    c = re._constants  # type: ignore[attr-defined]
    out: set[str] = set()
    for op, av in items:
        if op is c.AT:  # ^, $, \b: consume nothing
            continue
        if op is c.LITERAL:
            ch = chr(av)
            return out | {_fold(ch), _fold(ch.lower()), _fold(ch.upper())}
        if op is c.IN:
            for sub_op, sub_av in av:
                if sub_op is c.LITERAL:
                    chars = [chr(sub_av)]
                elif sub_op is c.RANGE and sub_av[1] - sub_av[0] <= 256:
                    chars = [chr(x) for x in range(sub_av[0], sub_av[1] + 1)]
                else:  # a negated set, \w, \d, a wide range
                    return None
                out |= {
                    f(x)
                    for x in chars
                    for f in (_fold, lambda y: _fold(y.lower()), lambda y: _fold(y.upper()))
                }
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


class RuleSet:
    """Compiled rules; picklable (patterns are re-compiled on unpickling) for worker processes.

    ``line`` rules are tried as one alternation per first character of the paragraph, holding only
    the rules a match could start with at that character (plus those that can start anywhere):
    the regular expression engine tries the alternatives of an alternation one by one, and ~360
    rules on every paragraph was half of the clean stage's time. Alternations are compiled on
    first use of a character, per process.
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = list(rules)
        self.categories: dict[str, list[str]] = {}
        self._line_rules = [(r, first_chars(r.pattern)) for r in self.rules if r.kind == "line"]
        self._line_by_char: dict[str, tuple[re.Pattern[str] | None, list[str]]] = {}
        self._prefix = self._compile("prefix", "^(?:{})")
        self._suffix = self._compile("suffix", "(?:{})$")

    def __len__(self) -> int:
        return len(self.rules)

    def __reduce__(self) -> tuple[type[RuleSet], tuple[list[Rule]]]:
        return (RuleSet, (self.rules,))

    def _compile(self, kind: str, frame: str) -> re.Pattern[str] | None:
        names: list[str] = []
        parts: list[str] = []
        for i, rule in enumerate(r for r in self.rules if r.kind == kind):
            names.append(rule.category)
            parts.append(f"(?P<r{i}>{rule.pattern})")
        self.categories[kind] = names
        if not parts:
            return None
        return re.compile(frame.format("|".join(parts)), FLAGS)

    def _category(self, kind: str, m: re.Match[str]) -> str:
        # The outermost group of the matching alternative closes last, so it is ``lastgroup``.
        name = m.lastgroup or "r0"
        return self.categories[kind][int(name[1:])]

    def _line_pattern(self, ch: str) -> tuple[re.Pattern[str] | None, list[str]]:
        key = _fold(ch)
        entry = self._line_by_char.get(key)
        if entry is None:
            names: list[str] = []
            parts: list[str] = []
            for rule, first in self._line_rules:
                if first is None or key in first:
                    parts.append(f"(?P<r{len(names)}>{rule.pattern})")
                    names.append(rule.category)
            pattern = re.compile("^(?:{})$".format("|".join(parts)), FLAGS) if parts else None
            if len(self._line_by_char) >= 4096:  # a bound, for texts in every script at once
                self._line_by_char.clear()
            entry = self._line_by_char[key] = (pattern, names)
        return entry

    def match_line(self, text: str) -> str | None:
        """Category of the ``line`` rule that matches the whole (folded) paragraph, if any."""
        if not text or len(text) > LINE_RULE_MAX_CHARS:
            return None
        pattern, names = self._line_pattern(text[0])
        if pattern is None:
            return None
        m = pattern.match(text)
        if not m:
            return None
        # The outermost group of the matching alternative closes last, so it is ``lastgroup``.
        return names[int((m.lastgroup or "r0")[1:])]

    def apply(self, paragraphs: Iterable[str]) -> RulesResult:
        kept: list[str] = []
        removed: list[tuple[str, str]] = []
        for para in paragraphs:
            text = fold_space(para)
            if not text:
                continue
            category = self.match_line(text)
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
            if self._prefix is not None:
                m = self._prefix.match(text)
                if m and m.end() > 0:
                    removed.append((self._category("prefix", m), m.group(0).strip()))
                    text = text[m.end() :].strip()
                    changed = True
            if self._suffix is not None and text:
                # Markers are short: search only the tail, or the alternation is tried at every
                # position of a long paragraph (most of the clean stage's time, measured).
                m = self._suffix.search(text, max(0, len(text) - SUFFIX_WINDOW))
                if m and m.end() > m.start():
                    removed.append((self._category("suffix", m), m.group(0).strip()))
                    text = text[: m.start()].strip()
                    changed = True
            if not changed or not text:
                break
        return text


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


def load_rules(paths: Iterable[str | Path]) -> RuleSet:
    """Parse and compile every rule file under ``paths``; raises :class:`ConfigError`."""
    rules: list[Rule] = []
    for path in rule_files(paths):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(str(path), None, f"cannot read: {exc}") from exc
        rules.extend(parse_rules(text, str(path)))
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
    """The rules of ``paths``, loaded once per process."""
    return load_rules(paths)


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
