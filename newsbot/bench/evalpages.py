"""The shared evaluation corpora beside aeb-dev: trafilatura's snippet pages, and line-level scores.

* **trafilatura-eval** (``../shared/trafilatura-eval``): pages with ``with`` snippets (text a
  correct extraction contains) and ``without`` snippets (boilerplate it must not contain), scored
  as trafilatura's own ``tests/evaluate.py`` does: a snippet is found when it is a substring of the
  body. Both sides have their whitespace runs folded to one space first, for newsbot and bare
  trafilatura alike, so that a snippet is not "missing" because a line break fell inside it.
* **lines** (any corpus with a true body): *residue* lines are lines of a prediction of which fewer
  than half of the word 4-grams are in the truth (boilerplate left); *lost* paragraphs are truth
  paragraphs of at least :data:`PROSE_WORDS` words of which fewer than half of the 4-grams are in
  the prediction (prose the extraction or cleaning dropped).
* **halves**: every page falls in half ``a`` or ``b`` by a hash of its file name, fixed, so that
  a change developed on one half can be confirmed on the other.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from newsbot.bench.aeb import _TOKEN, AebPage, read_page, shingles

#: A truth paragraph of fewer words is a label or a subheading, not prose that can be "lost".
PROSE_WORDS = 10


def half(name: str) -> str:
    """``a`` or ``b``: the fixed split of a corpus by a hash of a page's file name."""
    return "ab"[hashlib.blake2b(name.encode("utf-8"), digest_size=1).digest()[0] & 1]


@dataclass(frozen=True)
class EvalPage:
    file: str
    url: str
    html: str
    with_: tuple[str, ...]
    without: tuple[str, ...]


def load_eval(directory: Path) -> list[EvalPage]:
    """The pages of trafilatura-eval whose HTML is there, in file-name order."""
    data = json.loads((directory / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for url, item in sorted(data.items(), key=lambda kv: kv[1]["file"]):
        path = directory / "html" / f"{item['file']}.gz"
        if not path.exists():
            path = directory / "html" / item["file"]
            if not path.exists():
                continue
        html = read_page(path)  # 23 of the pages are not UTF-8
        pages.append(EvalPage(item["file"], url, html, tuple(item["with"]), tuple(item["without"])))
    return pages


def load_text_pages(directory: Path) -> list[AebPage]:
    """Pages laid out as newspaper4k's test data is (``tests/data`` of its source distribution:
    ``html/NAME.html``, the expected text in ``txt/NAME.txt``, the URL in ``metadata/NAME.json``):
    real pages in several languages that nobody here tuned for. Its expected texts are newspaper4k's
    own output, kept by its authors: teasers, prompts and credits are often left in them."""
    pages = []
    for text_path in sorted((directory / "txt").glob("*.txt")):
        html_path = directory / "html" / f"{text_path.stem}.html"
        if not html_path.exists():
            continue
        meta_path = directory / "metadata" / f"{text_path.stem}.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
        url = meta.get("url") or f"https://{text_path.stem.replace('_', '-')}.example/article.html"
        pages.append(
            AebPage(text_path.stem, url, read_page(html_path), text_path.read_text(encoding="utf-8"))
        )
    return pages


@dataclass
class SnippetScore:
    pages: int = 0
    with_found: int = 0
    with_missing: int = 0
    without_left: int = 0
    without_removed: int = 0
    #: (file, snippet) for -v listings
    missing: list[tuple[str, str]] = field(default_factory=list)
    left: list[tuple[str, str]] = field(default_factory=list)

    def add(self, page: EvalPage, body: str | None) -> None:
        text = " ".join((body or "").split())
        self.pages += 1
        for snip in page.with_:
            if " ".join(snip.split()) in text:
                self.with_found += 1
            else:
                self.with_missing += 1
                self.missing.append((page.file, snip))
        for snip in page.without:
            if " ".join(snip.split()) in text:
                self.without_left += 1
                self.left.append((page.file, snip))
            else:
                self.without_removed += 1

    @property
    def precision(self) -> float:
        d = self.with_found + self.without_left
        return self.with_found / d if d else 1.0

    @property
    def recall(self) -> float:
        d = self.with_found + self.with_missing
        return self.with_found / d if d else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        total = self.with_found + self.with_missing + self.without_left + self.without_removed
        return (self.with_found + self.without_removed) / total if total else 1.0


@dataclass
class LineScore:
    residue: int = 0
    lost: int = 0
    residue_lines: list[str] = field(default_factory=list)
    lost_lines: list[str] = field(default_factory=list)

    def add(self, prediction: str | None, truth: str) -> None:
        truth_sh = shingles(truth)
        pred_sh = shingles(prediction)
        truth_tokens = f" {' '.join(_TOKEN.findall(truth))} "
        for line in (prediction or "").splitlines():
            sh = shingles(line)
            if not sh:
                continue
            tokens = _TOKEN.findall(line)
            # a line of 1-3 tokens is one shingle that no 4-gram of the truth equals: look it up
            short_in_truth = len(tokens) < 4 and f" {' '.join(tokens)} " in truth_tokens
            if not short_in_truth and _share(sh, truth_sh) < 0.5:
                self.residue += 1
                self.residue_lines.append(line)
        for para in truth.splitlines():
            sh = shingles(para)
            if len(para.split()) >= PROSE_WORDS and _share(sh, pred_sh) < 0.5:
                self.lost += 1
                self.lost_lines.append(para)


def _share(part: Counter[tuple[str, ...]], whole: Counter[tuple[str, ...]]) -> float:
    n = sum(part.values())
    return sum((part & whole).values()) / n if n else 1.0


def by_group(keys: Iterable[str], min_pages: int) -> list[str]:
    """Groups (languages) with at least ``min_pages`` pages, largest first."""
    counts = Counter(keys)
    return [k for k, n in counts.most_common() if n >= min_pages]
