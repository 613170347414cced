"""Per-source template learning: boilerplate recognised because it recurs, not because a rule names it.

Every outlet has lines that its extractor output repeats article after article: a footer, a
newsletter promo worded its own way, "Reporting by … Editing by …" boilerplate, a "Follow us on …"
variant no rule file knows. Such a line is recognised by counting, per source, in how many
distinct documents each line occurred:

* lines are compared by a hash of their normal form with digits folded (so "© 2024 Outlet" and
  "© 2025 Outlet" are one line);
* a line is *template* once it occurred in at least ``min_docs`` (K) documents of the source and in
  at least ``min_share`` of the documents the source produced since the line was first seen;
* long lines (over ``long_words`` words) are prose far more often than chrome — a background
  paragraph reused across a week of stories — so they need ``long_factor`` times the evidence and
  half of the documents;
* a document whose text would be mostly template is not stripped at all: it is a repost of an
  earlier article (the identify stage handles those), not an article wrapped in chrome.

State: per source, the number of documents seen, the recent document keys (so a page seen twice
counts once) and, per line hash, ``[docs, first_doc, last_doc]``. It persists across runs in
``<NEWSBOT_OUTPUT_DIR>/state/templates.json`` (written atomically: temporary file then
``os.replace``), and is bounded: each source keeps at most ``max_lines`` hashes, evicting the least
recently seen (one-off article lines age out, template lines are refreshed by every document), and
at most ``max_sources`` sources are kept, least recently active dropped first. Like every cache in
newsbot it can be rebuilt from the dataset.

The learner is plain data plus pure methods, kept in the main process; a page is stripped in its
worker with a :class:`TemplateSnapshot` of its source. The warm-up buffering that gives a new
source's first articles the same cleaning as later ones lives in :mod:`newsbot.pipelines.page`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsbot.clean.text import normalise, words

if TYPE_CHECKING:
    from newsbot.storage.location import LocatedFile

logger = logging.getLogger(__name__)

STATE_VERSION = 1
_DIGITS = re.compile(r"\d+")


def line_key(text: str) -> int:
    """64-bit hash of a line's normal form with digits folded."""
    norm = _DIGITS.sub("0", normalise(text))
    return int.from_bytes(hashlib.blake2b(norm.encode("utf-8"), digest_size=8).digest(), "big")


#: What template learning compares a line by: its :func:`line_key` and its number of words.
LineFacts = tuple[int, int]


def line_facts(paragraphs: Iterable[str]) -> dict[str, LineFacts]:
    """The facts of each paragraph: computed in a worker process, the learner only looks them up."""
    return {p: (line_key(p), len(words(p))) for p in paragraphs}


def _facts_of(paragraphs: Sequence[str], known: Mapping[str, LineFacts] | None) -> list[LineFacts]:
    if known:
        return [known.get(p) or (line_key(p), len(words(p))) for p in paragraphs]
    return [(line_key(p), len(words(p))) for p in paragraphs]


def doc_key(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode("utf-8"), digest_size=8).digest(), "big")


# A line's counters live in one int: documents it occurred in, the index of the document that
# showed it first and last, 32 bits each. One int object and one dict slot per line: ~115 bytes
# instead of ~180 with a hex string key and a list (114 sources of 1,000 lines: 17 -> 11 MB).
_MASK = 0xFFFFFFFF


def _pack(count: int, first: int, last: int) -> int:
    return count | first << 32 | last << 64


def _unpack(entry: int) -> tuple[int, int, int]:
    return entry & _MASK, (entry >> 32) & _MASK, entry >> 64


@dataclass
class TemplateConfig:
    min_docs: int = 3
    min_share: float = 0.2
    long_words: int = 25
    long_factor: int = 4
    #: a document with more than this share of its words in template lines is left untouched
    max_template_share: float = 0.6
    max_lines: int = 5000
    max_sources: int = 5000
    max_recent_docs: int = 200


@dataclass
class SourceState:
    docs: int = 0
    #: recent document keys, oldest first (dedupes a page processed twice)
    recent: list[int] = field(default_factory=list)
    #: line hash -> packed (documents it occurred in, doc index when first seen, when last seen)
    lines: dict[int, int] = field(default_factory=dict)


@dataclass
class TemplateResult:
    paragraphs: list[str]
    removed: list[str] = field(default_factory=list)
    skipped: bool = False  # mostly template: left untouched


def _strip_flagged(
    paragraphs: Sequence[str], known: Sequence[LineFacts], flags: list[bool], config: Any
) -> TemplateResult:
    """The lines flagged as template removed, unless the document is mostly template."""
    if not any(flags):
        return TemplateResult(list(paragraphs))
    counts = [n for _key, n in known]
    total = sum(counts) or 1
    share = sum(n for n, f in zip(counts, flags, strict=True) if f) / total
    if share > config.max_template_share:
        # Mostly "template": keep the long lines (prose reused across stories) and retry.
        flags = [f and n <= config.long_words for n, f in zip(counts, flags, strict=True)]
        share = sum(n for n, f in zip(counts, flags, strict=True) if f) / total
        if share > config.max_template_share or not any(flags):
            return TemplateResult(list(paragraphs), skipped=True)
    kept = [p for p, f in zip(paragraphs, flags, strict=True) if not f]
    removed = [p for p, f in zip(paragraphs, flags, strict=True) if f]
    return TemplateResult(kept, removed)


@dataclass(frozen=True)
class TemplateSnapshot:
    """The template lines of one source at one moment: hashes that are template as a short line,
    and those with the evidence a long line needs (:meth:`TemplateLearner._is_template`)."""

    short: frozenset[int]
    long: frozenset[int]
    long_words: int
    max_template_share: float

    def strip(
        self, paragraphs: Sequence[str], facts: Mapping[str, LineFacts] | None = None
    ) -> TemplateResult:
        """What :meth:`TemplateLearner.strip` returned when the snapshot was taken."""
        if not self.short and not self.long:
            return TemplateResult(list(paragraphs))
        known = _facts_of(paragraphs, facts)
        flags = [key in (self.long if n > self.long_words else self.short) for key, n in known]
        return _strip_flagged(paragraphs, known, flags, self)


class TemplateLearner:
    def __init__(self, config: TemplateConfig | None = None) -> None:
        self.config = config or TemplateConfig()
        self.sources: dict[str, SourceState] = {}
        self._clock = 0  # activity order of sources, for eviction
        self._active: dict[str, int] = {}

    # --- learning -------------------------------------------------------------------------------

    def documents(self, source: str) -> int:
        state = self.sources.get(source)
        return state.docs if state else 0

    def observe(
        self,
        source: str,
        paragraphs: Sequence[str],
        key: str | None = None,
        facts: Mapping[str, LineFacts] | None = None,
    ) -> bool:
        """Count the lines of one document; False if this document (``key``) was already counted.

        ``facts`` (from :func:`line_facts`) saves hashing lines that were hashed elsewhere.
        """
        state = self.sources.get(source)
        if state is None:
            state = self.sources[source] = SourceState()
            self._evict_sources()
        self._clock += 1
        self._active[source] = self._clock
        if key is not None:
            dk = doc_key(key)
            if dk in state.recent:
                return False
            state.recent.append(dk)
            if len(state.recent) > self.config.max_recent_docs:
                del state.recent[: len(state.recent) - self.config.max_recent_docs]
        idx = state.docs
        state.docs += 1
        lines = state.lines
        for h in {f[0] for f in _facts_of(paragraphs, facts)}:
            entry = lines.get(h)
            if entry is None:
                lines[h] = _pack(1, idx, idx)
            else:
                lines[h] = _pack((entry & _MASK) + 1, (entry >> 32) & _MASK, idx)
        if len(state.lines) > self.config.max_lines:
            self._prune(state)
        return True

    def _prune(self, state: SourceState) -> None:
        # Keep the most recently seen hashes; drop down to 80% so pruning is not done every document.
        keep = int(self.config.max_lines * 0.8)
        ranked = sorted(state.lines.items(), key=lambda kv: (kv[1] >> 64, kv[1] & _MASK), reverse=True)
        state.lines = dict(ranked[:keep])

    def _evict_sources(self) -> None:
        excess = len(self.sources) - self.config.max_sources
        if excess <= 0:
            return
        for name in sorted(self.sources, key=lambda s: self._active.get(s, 0))[:excess]:
            del self.sources[name]
            self._active.pop(name, None)

    # --- applying -------------------------------------------------------------------------------

    def is_template(self, source: str, text: str) -> bool:
        state = self.sources.get(source)
        return state is not None and self._is_template(state, line_key(text), len(words(text)))

    def _is_template(self, state: SourceState, key: int, n_words: int) -> bool:
        entry = state.lines.get(key)
        if entry is None:
            return False
        count, first, _last = _unpack(entry)
        span = max(1, state.docs - first)
        cfg = self.config
        if n_words > cfg.long_words:
            return count >= cfg.min_docs * cfg.long_factor and count / span >= 0.5
        return count >= cfg.min_docs and count / span >= cfg.min_share

    def strip(
        self, source: str, paragraphs: Sequence[str], facts: Mapping[str, LineFacts] | None = None
    ) -> TemplateResult:
        """Remove the template lines of ``source`` from one document (learning is separate)."""
        state = self.sources.get(source)
        if state is None:
            return TemplateResult(list(paragraphs))
        known = _facts_of(paragraphs, facts)
        flags = [self._is_template(state, key, n) for key, n in known]
        return _strip_flagged(paragraphs, known, flags, self.config)

    def snapshot(self, source: str) -> TemplateSnapshot:
        """What :meth:`strip` would remove for ``source`` now, as a small picklable value sent with
        a page to the worker process (which strips with it, :meth:`TemplateSnapshot.strip`)."""
        state = self.sources.get(source)
        cfg = self.config
        if state is None:
            return TemplateSnapshot(frozenset(), frozenset(), cfg.long_words, cfg.max_template_share)
        short, long = [], []
        docs, min_docs, min_share = state.docs, cfg.min_docs, cfg.min_share
        long_docs = cfg.min_docs * cfg.long_factor
        for key, entry in state.lines.items():
            count = entry & _MASK
            if count < min_docs:
                continue
            share = count / max(1, docs - ((entry >> 32) & _MASK))
            if share >= min_share:
                short.append(key)
            if count >= long_docs and share >= 0.5:
                long.append(key)
        return TemplateSnapshot(frozenset(short), frozenset(long), cfg.long_words, cfg.max_template_share)

    # --- persistence ----------------------------------------------------------------------------

    def _order(self) -> list[str]:
        return sorted(self.sources, key=lambda s: self._active.get(s, 0))

    def _source_json(self, name: str) -> dict[str, Any]:
        st = self.sources[name]
        return {
            "docs": st.docs,
            "recent": [f"{k:016x}" for k in st.recent],
            "lines": {f"{k:016x}": list(_unpack(v)) for k, v in st.lines.items()},
        }

    def to_json(self) -> dict[str, Any]:
        return {"version": STATE_VERSION, "sources": {s: self._source_json(s) for s in self._order()}}

    @classmethod
    def from_json(cls, data: dict[str, Any], config: TemplateConfig | None = None) -> TemplateLearner:
        learner = cls(config)
        if data.get("version") != STATE_VERSION:
            logger.warning("Ignoring template state of version %r", data.get("version"))
            return learner
        for name, st in (data.get("sources") or {}).items():
            learner.sources[name] = SourceState(
                docs=int(st.get("docs", 0)),
                recent=[int(k, 16) for k in st.get("recent", [])],
                lines={int(k, 16): _pack(*(int(x) for x in v)) for k, v in (st.get("lines") or {}).items()},
            )
            learner._clock += 1
            learner._active[name] = learner._clock
        return learner

    def save(self, path: Path | LocatedFile) -> None:
        """Write the state atomically: a reader (or a crash) never sees half a file.

        Written one source at a time: the JSON form of every source at once was a spike of tens
        of MB at the end of a crawl of a hundred sources."""
        from newsbot.storage.location import as_file  # pyarrow: not imported in the worker processes

        with as_file(path).atomic_write() as fh:
            fh.write(b'{"version":%d,"sources":{' % STATE_VERSION)
            for i, name in enumerate(self._order()):
                entry = json.dumps({name: self._source_json(name)}, separators=(",", ":"))[1:-1]
                fh.write((("," if i else "") + entry).encode("utf-8"))
            fh.write(b"}}")

    @classmethod
    def load(cls, path: Path | LocatedFile, config: TemplateConfig | None = None) -> TemplateLearner:
        """The saved state, or an empty learner if there is none; an unreadable one (not JSON,
        or JSON of another shape) is set aside under ``DIR/quarantine/`` with a warning, and the
        learner starts afresh: the state is a cache, rebuilt as pages arrive."""
        from newsbot.storage.location import as_file

        try:
            data = json.loads(as_file(path).read_bytes().decode("utf-8"))
            return cls.from_json(data, config)
        except FileNotFoundError:
            return cls(config)
        except (OSError, ValueError, TypeError, AttributeError, KeyError) as exc:
            # AttributeError/TypeError/KeyError: valid JSON of the wrong shape ([], {"sources": 3})
            from newsbot.storage.quarantine import quarantine  # pyarrow: not for worker processes

            quarantine(path, f"unreadable template state: {type(exc).__name__}: {exc}")
            logger.warning("Template state %s unreadable; starting afresh", path)
            return cls(config)


def learn_and_strip(
    learner: TemplateLearner, documents: Iterable[tuple[str, str, Sequence[str]]]
) -> list[TemplateResult]:
    """Batch helper (benchmarks, offline use): observe every (source, key, paragraphs), then strip."""
    docs = list(documents)
    for source, key, paragraphs in docs:
        learner.observe(source, paragraphs, key)
    return [learner.strip(source, paragraphs) for source, _key, paragraphs in docs]
