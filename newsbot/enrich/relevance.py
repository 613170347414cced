"""Conflict relevance: a weighted multilingual lexicon, compiled to a few regexes per language.

The lexicon is user-editable data in ``settings/relevance/``: one TOML file per language (``en.toml``,
``ar.toml``, ...) and ``scoring.toml`` with the parameters of the score. A language file holds groups
of terms that share a weight::

    language = "en"
    clitics = []              # optional: prefixes allowed before any term (Arabic و ب ل ال ...)

    [[group]]
    name = "strikes"
    weight = 3.0              # negative weights dampen hard negatives (sport, markets, disasters)
    terms = ["airstrike*", "air strike*", "*angriff", "shelling"]

Term syntax, applied after the same normalisation as the text (lower case, and per language: Arabic
letter variants and diacritics, Persian ZWNJ, Russian ё, Turkish dotted/dotless i):

- words match whole words; a space matches any run of spaces or hyphens (``air strike`` matches
  "air-strike");
- ``word*`` matches any ending (inflection: ``обстрел*``, ``saldırı*``, ``bombard*``);
- a leading ``*`` drops the left word boundary, for the heads of compounds (``*angriff`` matches
  "Drohnenangriff").

All the terms of a language compile to one trie-shaped regex, scanned once per text; at each
position the longest matching term wins ("price war" counts for its group, not also as "war").
:meth:`Lexicon.explain` lists the matched words, for tuning.

Score: per group, weight × sqrt(matches), summed into conflict evidence ``P`` (positive weights) and
hard-negative context ``N`` (negative weights), each as ``title_weight * title + body / L`` with
``L = sqrt(max(words, min_words) / reference_words)``. The negative context dampens rather than
subtracts, so a game review full of war words stays low while a war report that mentions a market
keeps most of its evidence::

    x = P * exp(-N / damping)
    score = 1 / (1 + exp(-slope * (x - midpoint)))

``midpoint`` is where the score crosses 0.5. The body is length-normalised so that a long piece that
mentions a war in passing does not outscore a short report of a strike.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsbot.config.errors import ConfigError

logger = logging.getLogger(__name__)

SCORING_FILE = "scoring.toml"

_ARABIC_MARKS = dict.fromkeys(range(0x064B, 0x0660)) | {0x0670: None, 0x0640: None}
_TRANSLATE: dict[str, dict[int, Any]] = {
    "ar": _ARABIC_MARKS | str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"}),
    # Persian: Arabic-keyboard letter variants and the zero-width non-joiner between stem and suffix.
    "fa": _ARABIC_MARKS | str.maketrans({"ي": "ی", "ك": "ک", "ى": "ی", "\u200c": " ", "أ": "ا", "إ": "ا"}),
    "ru": str.maketrans({"ё": "е"}),
    "uk": str.maketrans({"’": "'", "ʼ": "'", "`": "'"}),
}
# Turkish upper-case I/İ must be mapped before lower(), which would give "i" and "i̇".
_TURKISH_UPPER = str.maketrans({"I": "ı", "İ": "i"})
_COMMON = str.maketrans({"’": "'", "\u00ad": None, "\u200b": None})

_TOP_KEYS = {"language", "clitics", "group", "description"}
_GROUP_KEYS = {"name", "weight", "terms", "note"}
_SCORING_KEYS = {
    "title_weight": (0.0, 20.0),
    "reference_words": (1.0, 100_000.0),
    "min_words": (1.0, 100_000.0),
    "max_body_chars": (100.0, 10_000_000.0),
    "damping": (0.1, 1000.0),
    "midpoint": (-100.0, 100.0),
    "slope": (0.01, 100.0),
}
_LANG = re.compile(r"^[a-z]{2}$")
_NEVER = re.compile(r"(?!)")


def normalise(text: str, language: str) -> str:
    """Lower-case ``text`` with the letter foldings of ``language``; whitespace runs become one space."""
    if language == "tr":
        text = text.translate(_TURKISH_UPPER)
    text = text.lower().translate(_COMMON)
    table = _TRANSLATE.get(language)
    if table:
        text = text.translate(table)
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class Scoring:
    title_weight: float = 2.0
    reference_words: float = 150.0
    min_words: float = 60.0
    max_body_chars: float = 6000.0
    damping: float = 4.0
    midpoint: float = 4.0
    slope: float = 0.8

    def probability(self, x: float) -> float:
        z = self.slope * (x - self.midpoint)
        if z < -60:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))


@dataclass(slots=True)
class Group:
    name: str
    weight: float
    terms: list[str]


@dataclass(slots=True)
class LanguageLexicon:
    language: str
    path: str
    groups: list[Group] = field(default_factory=list)
    group_of: dict[str, int] = field(default_factory=dict)
    #: the normalised terms of all groups, in the order of ``group_of``'s names, and the clitics
    terms: list[str] = field(default_factory=list)
    clitics: list[str] = field(default_factory=list)
    _regex: re.Pattern[str] | None = None

    @property
    def regex(self) -> re.Pattern[str]:
        """All terms of all groups as one trie-shaped regex; the empty named group that closes each
        term (``m.lastgroup``) says which group it belongs to. Compiled on first use: it takes
        ~50 ms a language, in every process, and a crawl meets few of the languages."""
        if self._regex is None:
            self._regex = _compile(self.terms, self.clitics)
        return self._regex

    def counts(self, text: str) -> list[int]:
        """Matches per group in ``text`` (already normalised). Matches do not overlap and the longest
        term wins, so "price war" counts once, for its group, and not also as "war"."""
        n = [0] * len(self.groups)
        group_of = self.group_of
        for m in self.regex.finditer(text):
            n[group_of[m.lastgroup]] += 1  # type: ignore[index]
        return n

    def weighted_hits(self, text: str) -> tuple[float, float]:
        """(positive, negative) evidence in ``text`` (already normalised): per group, the weight
        times the square root of its number of matches, so that several kinds of evidence count for
        more than one word repeated."""
        pos = neg = 0.0
        for g, n in zip(self.groups, self.counts(text), strict=True):
            if n:
                if g.weight > 0:
                    pos += g.weight * math.sqrt(n)
                else:
                    neg -= g.weight * math.sqrt(n)
        return pos, neg


@dataclass(frozen=True, slots=True)
class Relevance:
    score: float
    #: the weighted, length-normalised evidence that the logistic turns into ``score``
    evidence: float
    #: conflict evidence (title and body) before dampening
    positive: float
    #: hard-negative context (sport, markets, ...) that dampens it
    negative: float
    words: int


class Lexicon:
    """All language lexicons and the scoring parameters; built by :func:`load_lexicon`."""

    def __init__(self, languages: dict[str, LanguageLexicon], scoring: Scoring) -> None:
        self.languages = languages
        self.scoring = scoring

    def __contains__(self, language: object) -> bool:
        return language in self.languages

    def assess(self, title: str | None, body: str | None, language: str) -> Relevance | None:
        """Score an article; None when there is no lexicon for ``language``."""
        lex = self.languages.get(language)
        if lex is None:
            return None
        sc = self.scoring
        body = (body or "")[: int(sc.max_body_chars)]
        tp, tn = lex.weighted_hits(normalise(title, language)) if title else (0.0, 0.0)
        nbody = normalise(body, language)
        bp, bn = lex.weighted_hits(nbody) if nbody else (0.0, 0.0)
        words = nbody.count(" ") + 1 if nbody else 0
        length = math.sqrt(max(words, sc.min_words) / sc.reference_words)
        positive = sc.title_weight * tp + bp / length
        negative = sc.title_weight * tn + bn / length
        x = positive * math.exp(-negative / sc.damping)
        return Relevance(round(sc.probability(x), 4), x, positive, negative, words)

    def score(self, title: str | None, body: str | None, language: str) -> float | None:
        r = self.assess(title, body, language)
        return None if r is None else r.score

    def explain(self, text: str, language: str) -> dict[str, list[str]]:
        """The matched words of each group, for tuning the lexicon."""
        lex = self.languages.get(language)
        if lex is None:
            return {}
        norm = normalise(text, language)
        out: dict[str, list[str]] = {}
        for m in lex.regex.finditer(norm):
            g = lex.groups[lex.group_of[m.lastgroup]]  # type: ignore[index]
            out.setdefault(f"{g.name} ({g.weight:+g})", []).append(m.group(0))
        return out


# --- loading and validation ------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _cached_lexicon(path: str) -> Lexicon:
    return load_lexicon(path)


@functools.lru_cache(maxsize=4)
def _stamped_lexicon(path: str, stamp: tuple[tuple[str, int, int], ...]) -> Lexicon:
    return load_lexicon(path)


def cached_lexicon(path: str) -> Lexicon:
    """The lexicon at ``path``, loaded and validated once while its files are unchanged: the plan's
    check and the relevance pipeline of a crawl share one copy, and an edited file (a user tuning
    the lexicon between two crawls of one process) is loaded again."""
    root = Path(path)
    try:
        stamp = tuple(
            (f.name, st.st_mtime_ns, st.st_size) for f in sorted(root.glob("*.toml")) if (st := f.stat())
        )
    except OSError:
        stamp = ()
    return _stamped_lexicon(str(path), stamp)


def score_with_lexicon(path: str, title: str | None, text: str, language: str) -> float | None:
    """Score with the lexicon at ``path``, loaded once per process: what a worker process runs."""
    return cached_lexicon(path).score(title, text, language)


def load_lexicon(path: str | Path) -> Lexicon:
    """Load and validate a lexicon directory (``*.toml`` per language plus ``scoring.toml``).

    Raises :class:`~newsbot.config.errors.ConfigError` naming the file, line and field of a problem.
    """
    root = Path(path)
    if root.is_file():
        files = [root]
        scoring_file = root.with_name(SCORING_FILE)
    elif root.is_dir():
        files = sorted(p for p in root.glob("*.toml") if p.name != SCORING_FILE)
        scoring_file = root / SCORING_FILE
    else:
        raise ConfigError(str(root), None, "relevance lexicon not found (expected a directory of TOML files)")
    if not files:
        raise ConfigError(str(root), None, "no language files (*.toml) in the relevance lexicon")
    scoring = _load_scoring(scoring_file) if scoring_file.is_file() else Scoring()
    languages: dict[str, LanguageLexicon] = {}
    for f in files:
        lex = _load_language_file(f)
        if lex.language in languages:
            raise ConfigError(
                str(f), "language", f"{lex.language!r} is already defined in {languages[lex.language].path}"
            )
        languages[lex.language] = lex
    logger.debug("relevance lexicon: %s from %s", ", ".join(sorted(languages)), root)
    return Lexicon(languages, scoring)


def _read_toml(path: Path) -> tuple[dict[str, Any], str]:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), None, f"cannot read: {exc}") from exc
    try:
        return tomllib.loads(raw), raw
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(str(path), None, f"invalid TOML: {exc}", int(m.group(1)) if m else None) from exc


def _line_of(raw: str, needle: str, start_line: int = 1) -> int | None:
    """The first line (from ``start_line``) of ``raw`` that contains ``needle``: TOML parsers
    do not report where a value came from, and a line number is what an editor needs."""
    for i, line in enumerate(raw.splitlines()[start_line - 1 :], start_line):
        if needle in line:
            return i
    return None


def _load_scoring(path: Path) -> Scoring:
    data, raw = _read_toml(path)
    table = data.get("scoring", data)
    values: dict[str, float] = {}
    for key, value in table.items():
        if key == "scoring":
            continue
        if key not in _SCORING_KEYS:
            raise ConfigError(
                str(path),
                key,
                f"unknown key (expected one of {', '.join(_SCORING_KEYS)})",
                _line_of(raw, key),
            )
        lo, hi = _SCORING_KEYS[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
            raise ConfigError(
                str(path), key, f"must be a number in [{lo:g}, {hi:g}], got {value!r}", _line_of(raw, key)
            )
        values[key] = float(value)
    return Scoring(**values)


def _load_language_file(path: Path) -> LanguageLexicon:
    data, raw = _read_toml(path)
    where = str(path)
    for key in data:
        if key not in _TOP_KEYS:
            raise ConfigError(
                where, key, f"unknown key (expected {', '.join(sorted(_TOP_KEYS))})", _line_of(raw, key)
            )
    language = data.get("language")
    if not isinstance(language, str) or not _LANG.match(language):
        raise ConfigError(where, "language", f"must be an ISO 639-1 code like 'en', got {language!r}")
    clitics = data.get("clitics", [])
    if not isinstance(clitics, list) or not all(
        isinstance(c, str) and c.strip() and " " not in c for c in clitics
    ):
        raise ConfigError(
            where, "clitics", "must be a list of non-empty strings without spaces", _line_of(raw, "clitics")
        )
    clitic_list = sorted({normalise(c, language) for c in clitics}, key=len, reverse=True)
    groups_data = data.get("group")
    if not isinstance(groups_data, list) or not groups_data:
        raise ConfigError(
            where, "group", "at least one [[group]] table with name, weight and terms is required"
        )
    lex = LanguageLexicon(language, where)
    seen: dict[str, str] = {}
    all_terms: list[str] = []
    for gi, g in enumerate(groups_data):
        fld = f"group[{gi}]"
        if not isinstance(g, dict):
            raise ConfigError(where, fld, "must be a table")
        name = g.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(where, f"{fld}.name", "must be a non-empty string")
        fld = f"group[{gi}] ({name})"
        group_line = _line_of(raw, f'"{name}"') or 1
        for key in g:
            if key not in _GROUP_KEYS:
                raise ConfigError(
                    where,
                    f"{fld}.{key}",
                    "unknown key (expected name, weight, terms, note)",
                    _line_of(raw, key, group_line),
                )
        weight = g.get("weight")
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < abs(weight) <= 10:
            raise ConfigError(
                where,
                f"{fld}.weight",
                f"must be a non-zero number in [-10, 10], got {weight!r}",
                _line_of(raw, "weight", group_line),
            )
        terms = g.get("terms")
        if not isinstance(terms, list) or not terms:
            raise ConfigError(
                where,
                f"{fld}.terms",
                "must be a non-empty list of strings",
                _line_of(raw, "terms", group_line),
            )
        gidx = len(lex.groups)
        for ti, term in enumerate(terms):
            tfld = f"{fld}.terms[{ti}]"
            line = _line_of(raw, f'"{term}"', group_line) if isinstance(term, str) else None
            if not isinstance(term, str):
                raise ConfigError(where, tfld, f"must be a string, got {term!r}", line)
            norm = normalise(term, language)
            problem = _term_problem(norm)
            if problem:
                raise ConfigError(where, tfld, f"{term!r}: {problem}", line)
            if norm in seen:
                raise ConfigError(where, tfld, f"{term!r} is already in group {seen[norm]!r}", line)
            seen[norm] = name
            lex.group_of[f"t{len(lex.group_of)}"] = gidx
            all_terms.append(norm)
        lex.groups.append(Group(name, float(weight), list(terms)))
    lex.terms, lex.clitics = all_terms, clitic_list
    return lex


def _term_problem(norm: str) -> str | None:
    if not norm.strip("* "):
        return "empty term"
    words = norm.split(" ")
    for i, w in enumerate(words):
        core = w[1:] if (i == 0 and w.startswith("*")) else w
        core = core[:-1] if core.endswith("*") else core
        if not core:
            return "a '*' must be attached to a word"
        if "*" in core:
            return "'*' is only allowed at the end of a word or the start of the term"
    return None


_SPACE = "\x00"  # trie token for a space in a term: any run of spaces or hyphens
_STAR = "\x01"  # trie token for an inner "word*": any ending
_Trie = dict[str, Any]


def _trie_add(trie: _Trie, norm: str, name: str) -> None:
    """Add a normalised term, ending in an empty group called ``name``."""
    words = norm.lstrip("*").split(" ")
    right = not words[-1].endswith("*")
    node = trie
    for i, w in enumerate(words):
        if i:
            node = node.setdefault(_SPACE, {})
        for ch in w.rstrip("*"):
            node = node.setdefault(ch, {})
        if w.endswith("*") and i < len(words) - 1:
            node = node.setdefault(_STAR, {})
    node.setdefault("", []).append((name, right))


def _trie_regex(node: _Trie) -> str:
    """A trie as a regex. At each node the alternatives start with a literal, which Python's
    regex engine rejects with one comparison, and longer terms are tried before shorter ones."""
    alts = []
    for key in sorted(k for k in node if k):
        tok = r"[\s\-]+" if key == _SPACE else r"\w*" if key == _STAR else re.escape(key)
        alts.append(tok + _trie_regex(node[key]))
    # A term ends here: the empty named group marks which term (hence group) matched; an open end
    # swallows the rest of the word so that the scan resumes at the next word.
    alts.extend(f"(?P<{name}>)" + (r"(?!\w)" if right else r"\w*") for name, right in node.get("", []))
    return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"


def _compile(terms: list[str], clitics: list[str]) -> re.Pattern[str]:
    """One regex for all the terms of a language: a trie of the terms that start at a word boundary
    (after an optional clitic) and one of the heads of compounds that may start inside a word."""
    bounded: _Trie = {}
    unbounded: _Trie = {}
    for i, norm in enumerate(terms):
        _trie_add(unbounded if norm.startswith("*") else bounded, norm, f"t{i}")
    branches = []
    if bounded:
        prefix = "(?:" + "|".join(re.escape(c) for c in clitics) + ")?" if clitics else ""
        branches.append(r"(?<!\w)" + prefix + _trie_regex(bounded))
    if unbounded:
        branches.append(_trie_regex(unbounded))
    return re.compile("|".join(branches)) if branches else _NEVER
