"""Language detection and conflict relevance measured on a labelled corpus.

    python -m newsbot.bench.relevance [--corpus tests/data/relevance-dev.jsonl] [--lexicon DIR]
                                      [--threshold 0.5] [--errors] [--fit]

The corpus is JSON lines with ``id``, ``language``, ``label`` (1 = armed-conflict coverage),
``kind``, ``title`` and ``body``. Prints accuracy, precision, recall and F1 per language and
overall at the threshold (scored with the corpus language, and end to end with the detected
language), language-detection accuracy on the detector's sample (title + first
:data:`~newsbot.enrich.language.SAMPLE_CHARS` of the body) and on the full text, and the time per
record of detection and of scoring. ``--errors`` lists the misclassified articles with the words
that matched; ``--fit`` prints the logistic midpoint and slope that fit the corpus best (apply
them in ``settings/relevance/scoring.toml`` only when fitted on a calibration set, never on the
held-out one).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from newsbot.config.paths import project_root
from newsbot.enrich.language import detect_language, sample_text, warm_up
from newsbot.enrich.relevance import Lexicon, load_lexicon

DEFAULT_CORPUS = Path("tests/data/relevance-dev.jsonl")


@dataclass
class Article:
    id: str
    language: str
    label: int
    kind: str
    title: str
    body: str


def load_corpus(path: Path) -> list[Article]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                out.append(
                    Article(
                        str(d["id"]),
                        d["language"],
                        int(d["label"]),
                        d.get("kind", ""),
                        d.get("title") or "",
                        d.get("body") or "",
                    )
                )
            except (ValueError, KeyError) as exc:
                raise SystemExit(f"{path}:{n}: bad record: {exc}") from exc
    return out


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0

    def add(self, label: int, predicted: bool) -> None:
        if label and predicted:
            self.tp += 1
        elif label:
            self.fn += 1
        elif predicted:
            self.fp += 1
        else:
            self.tn += 1

    def row(self, name: str) -> str:
        n = self.tp + self.fp + self.tn + self.fn
        acc = (self.tp + self.tn) / n if n else 0.0
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        counts = f"tp={self.tp} fp={self.fp} fn={self.fn}"
        return f"{name:<10}{n:>6}{acc:>9.3f}{p:>10.3f}{r:>8.3f}{f1:>8.3f}   {counts}"


def _fit(xs: list[float], ys: list[int]) -> tuple[float, float]:
    """Maximum-likelihood midpoint and slope of score = 1 / (1 + exp(-slope * (x - midpoint))), by
    gradient descent with a small L2 penalty on the slope (a separable set otherwise sends it to
    infinity)."""
    a, b = 1.0, 0.0  # z = a * x + b
    lr = 0.05
    for _ in range(20000):
        ga = gb = 0.0
        for x, y in zip(xs, ys, strict=True):
            z = max(-30.0, min(30.0, a * x + b))
            err = 1 / (1 + math.exp(-z)) - y
            ga += err * x
            gb += err
        ga = ga / len(xs) + 0.01 * a
        gb /= len(xs)
        a -= lr * ga
        b -= lr * gb
    return -b / a, a


def run(corpus: Path, lexicon: Lexicon, threshold: float, errors: bool, fit: bool) -> None:
    arts = load_corpus(corpus)
    warm_up()
    # Each language's regex is compiled on its first use: outside the timed scoring, as in a crawl.
    _ = [lex.regex for lex in lexicon.languages.values()]
    by_lang: dict[str, Counts] = defaultdict(Counts)
    overall, e2e = Counts(), Counts()
    lang_ok = lang_ok_full = 0
    t_lang = t_lang_full = t_score = 0.0
    wrong: list[tuple[Article, float, str]] = []
    xs: list[float] = []
    for art in arts:
        t0 = time.perf_counter()
        guess = detect_language(sample_text(art.title, art.body))
        t1 = time.perf_counter()
        full = detect_language(sample_text(art.title, art.body, limit=None))
        t2 = time.perf_counter()
        rel = lexicon.assess(art.title, art.body, art.language)
        t3 = time.perf_counter()
        t_lang += t1 - t0
        t_lang_full += t2 - t1
        t_score += t3 - t2
        lang_ok += guess.code == art.language
        lang_ok_full += full.code == art.language
        score = rel.score if rel else 0.0
        xs.append(rel.evidence if rel else 0.0)
        predicted = score >= threshold
        by_lang[art.language].add(art.label, predicted)
        overall.add(art.label, predicted)
        detected = lexicon.score(art.title, art.body, guess.code) or 0.0
        e2e.add(art.label, detected >= threshold)
        if predicted != bool(art.label):
            wrong.append((art, score, guess.code))
    n = len(arts)
    print(f"corpus: {corpus} ({n} articles, {sum(a.label for a in arts)} conflict)  threshold: {threshold}")
    negatives = Counter(a.kind.removeprefix("neg_") for a in arts if not a.label)
    print("negatives by kind: " + ", ".join(f"{kind} {k}" for kind, k in negatives.most_common()))
    print(f"{'language':<10}{'n':>6}{'accuracy':>9}{'precision':>10}{'recall':>8}{'F1':>8}")
    for lang in sorted(by_lang):
        print(by_lang[lang].row(lang))
    print(overall.row("overall"))
    print(e2e.row("detected") + "   (scored with the detected language)")
    print(
        f"language detection: accuracy {lang_ok / n:.3f} on title + {sample_text.__defaults__[0]} chars "
        f"({1000 * t_lang / n:.2f} ms/record), {lang_ok_full / n:.3f} on the full text "
        f"({1000 * t_lang_full / n:.2f} ms/record)"
    )
    print(f"relevance scoring: {1000 * t_score / n:.3f} ms/record")
    if errors and wrong:
        print("\nmisclassified:")
        for art, score, detected in wrong:
            print(
                f"  {art.id} [{art.language}, detected {detected}] label={art.label} kind={art.kind} "
                f"score={score:.3f}: {art.title[:80]}"
            )
            for group, words in lexicon.explain(f"{art.title}\n{art.body}", art.language).items():
                print(f"      {group}: {', '.join(words[:12])}")
    if fit:
        mid, slope = _fit(xs, [a.label for a in arts])
        print(f"\nfitted on this corpus: midpoint = {mid:.2f}, slope = {slope:.2f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m newsbot.bench.relevance", description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=None, help="JSON lines corpus (default: the dev set)")
    ap.add_argument(
        "--lexicon", type=Path, default=None, help="lexicon directory (default: settings/relevance)"
    )
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--errors", action="store_true", help="list misclassified articles and their matches")
    ap.add_argument("--fit", action="store_true", help="print the best-fitting midpoint and slope")
    args = ap.parse_args(argv)
    root = project_root()
    corpus = args.corpus or root / DEFAULT_CORPUS
    lexicon = load_lexicon(args.lexicon or root / "settings" / "relevance")
    run(corpus, lexicon, args.threshold, args.errors, args.fit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
