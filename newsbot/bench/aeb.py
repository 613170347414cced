"""The aeb-dev corpus (``../shared/aeb-dev``) and the article-extraction-benchmark metric.

The metric, as the benchmark defines it: tokens are ``\\w+`` matches; per page the multisets of
word 4-grams of prediction and truth are compared (a text of 1–3 tokens is one shingle, an empty
text none); precision is averaged over pages with a non-empty prediction, recall over pages with
a non-empty truth (FP = FN = 0 counts as 1.0); F1 is the harmonic mean of the two means.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from newsbot.config.paths import project_root

_TOKEN = re.compile(r"\w+")


def read_page(path: Path) -> str:
    """A stored page (gzip-compressed or not) as a crawl would decode the response: BOM, meta
    charset, then detection (:func:`newsbot.extract.decode.decode_html`), not UTF-8 regardless.
    Read as UTF-8, a windows-1252 page turns every umlaut into U+FFFD for newsbot and bare
    trafilatura alike, and no snippet with one could be found."""
    from newsbot.extract.decode import decode_html

    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return decode_html(raw)[1]


def default_aeb_dir() -> Path:
    return project_root().parent / "shared" / "aeb-dev"


@dataclass(frozen=True)
class AebPage:
    id: str
    url: str
    html: str
    truth: str


def load_aeb(directory: Path | None = None) -> list[AebPage]:
    d = Path(directory) if directory else default_aeb_dir()
    truth = json.loads((d / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for pid in sorted(truth):
        path = d / "html" / f"{pid}.html.gz"
        if path.exists():
            html = read_page(path)
            pages.append(AebPage(pid, truth[pid].get("url", ""), html, truth[pid].get("articleBody", "")))
    if not pages:
        raise FileNotFoundError(f"no aeb-dev pages under {d}")
    return pages


def shingles(text: str | None, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    if not tokens:
        return Counter()
    if len(tokens) < n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    pages: int


def score(pairs: Iterable[tuple[str | None, str]]) -> Score:
    """Score (prediction, truth) pairs with the benchmark's metric."""
    precisions, recalls = [], []
    n = 0
    for pred, truth in pairs:
        n += 1
        p, t = shingles(pred), shingles(truth)
        tp = sum((p & t).values())
        fp = sum(p.values()) - tp
        fn = sum(t.values()) - tp
        total = tp + fp + fn
        if total == 0:
            precisions.append(1.0)
            recalls.append(1.0)
            continue
        tp_, fp_, fn_ = tp / total, fp / total, fn / total
        if p:
            precisions.append(tp_ / (tp_ + fp_) if tp_ + fp_ else 1.0)
        if t:
            recalls.append(tp_ / (tp_ + fn_) if tp_ + fn_ else 1.0)
    prec = sum(precisions) / len(precisions) if precisions else 0.0
    rec = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return Score(prec, rec, f1, n)
