"""Benchmark of the clean stage: ``python -m newsbot.bench.cleaning [--corpus DIR] [--aeb DIR]``.

Three checks, all rerunnable offline:

* **corpus** (``tests/corpora/cleaning``: ``NNN-slug.html``, ``.gold.txt``, ``.meta.json``): the
  whole pipeline (extraction, duplicates, rules, templates learned across the corpus' pages of
  each source, quality) on each page; a paragraph of trafilatura's output is *real* if its normal
  form is a gold line. Reports keep/drop precision and recall, real paragraphs kept, boilerplate
  residue (kept, not gold), duplicate residue (a gold line kept twice) and not-article pages
  rejected.
* **aeb-dev**: the benchmark's metric (:mod:`newsbot.bench.aeb`) for the pipeline and for bare
  ``trafilatura.extract(html, include_comments=False)`` on the same pages in the same run, with
  pages per second of each.
* **dirty record** (``tests/data/dirty-record.txt``): the example of the design document comes out
  exactly as described.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import trafilatura

from newsbot.bench.aeb import AebPage, load_aeb, read_page, score
from newsbot.bench.crawlrun import CrawlRun
from newsbot.bench.evalpages import (
    PROSE_WORDS,
    LineScore,
    SnippetScore,
    by_group,
    half,
    load_eval,
    load_text_pages,
)
from newsbot.bench.losses import attribute, holds_paragraph, holds_snippet, summary
from newsbot.clean import clean_paragraphs
from newsbot.clean.rules import RuleSet, default_ruleset
from newsbot.clean.text import normalise, strip_quotes
from newsbot.config.paths import project_root

logger = logging.getLogger(__name__)


@dataclass
class Page:
    key: str
    url: str
    source: str
    html: str
    title: str | None = None
    gold: list[str] = field(default_factory=list)
    not_article: bool = False


@dataclass
class Outcome:
    extracted: list[str]
    kept: list[str]
    removed: list[tuple[str, str]]
    reject: str | None
    title: str | None
    language: str | None = None
    #: the body the crawl stores ('' when rejected)
    body: str = ""
    #: which extraction pass the body is from (fast, full, recall, ld)
    path: str | None = None


def run_pipeline(pages: Sequence[Page], rules: RuleSet | None = None) -> list[Outcome]:
    """The crawl's own processing of ``pages`` in order (:mod:`newsbot.bench.crawlrun`): the plan
    of the project settings on each page, templates learned and applied as the crawl's template
    store does. ``rules`` replaces the rule files' rules (the same ones by default)."""
    run = CrawlRun(rules=rules)
    for page in pages:
        run.add(page.url, page.html, source=page.source or None)  # aeb, eval: the host
    crawled = run.finish()
    logger.info("Extraction paths: %s", dict(Counter(c.path for c in crawled if c.path)))
    return [
        Outcome(c.extracted, c.kept, c.removed, c.reject, c.title, c.language, c.body, c.path)
        for c in crawled
    ]


# --- labelled corpus ------------------------------------------------------------------------------


def load_corpus(directory: Path) -> list[Page]:
    pages = []
    for html_path in sorted(directory.glob("*.html")):
        stem = html_path.name[: -len(".html")]
        meta_path = directory / f"{stem}.meta.json"
        gold_path = directory / f"{stem}.gold.txt"
        if not meta_path.exists():
            continue
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        gold = gold_path.read_text(encoding="utf-8").splitlines() if gold_path.exists() else []
        url = meta.get("url") or f"https://example.invalid/{stem}"
        pages.append(
            Page(
                key=stem,
                url=url,
                source=meta.get("source") or urlsplit(url).netloc,
                html=read_page(html_path),
                title=meta.get("title"),
                gold=[g for g in (line.strip() for line in gold) if g],
                not_article=bool(meta.get("not_article")),
            )
        )
    return pages


def _key(text: str) -> str:
    return strip_quotes(normalise(text))


def corpus_report(pages: Sequence[Page], rules: RuleSet | None, verbose: bool = False) -> dict[str, float]:
    outcomes = run_pipeline(pages, rules)
    tp = fp = fn = tn = 0  # positive = "keep"
    real_in = real_kept = residue = dup_residue = 0
    na_total = na_rejected = articles_rejected = 0
    for page, oc in zip(pages, outcomes, strict=True):
        if page.not_article:
            na_total += 1
            na_rejected += oc.reject is not None
            continue
        if oc.reject is not None:
            articles_rejected += 1
            if verbose:
                print(f"  [{page.key}] REJECTED {oc.reject}")
        gold = Counter(_key(g) for g in page.gold)
        kept = [] if oc.reject else oc.kept
        kept_keys = Counter(_key(k) for k in kept)
        extracted_keys = [_key(p) for p in oc.extracted]
        real = {k for k in extracted_keys if k in gold}
        real_in += len(real)
        real_kept += len(real & set(kept_keys))
        for k in dict.fromkeys(extracted_keys):
            was_kept = k in kept_keys
            if k in gold:
                tp += was_kept
                fn += not was_kept
                if verbose and not was_kept:
                    print(f"  [{page.key}] LOST: {k[:120]}")
            else:
                fp += was_kept
                tn += not was_kept
        for k, n in kept_keys.items():
            if k not in gold:
                residue += n
                if verbose:
                    print(f"  [{page.key}] RESIDUE: {k[:120]}")
            elif n > gold[k]:
                dup_residue += n - gold[k]
                if verbose:
                    print(f"  [{page.key}] DUPLICATE: {k[:120]}")
    return {
        "pages": len(pages),
        "keep_precision": tp / (tp + fp) if tp + fp else 1.0,
        "keep_recall": tp / (tp + fn) if tp + fn else 1.0,
        "drop_precision": tn / (tn + fn) if tn + fn else 1.0,
        "drop_recall": tn / (tn + fp) if tn + fp else 1.0,
        "real_kept": real_kept / real_in if real_in else 1.0,
        "boilerplate_residue": residue,
        "duplicate_residue": dup_residue,
        "not_article_rejected": na_rejected,
        "not_article_total": na_total,
        "articles_rejected": articles_rejected,
    }


# --- aeb-dev --------------------------------------------------------------------------------------


#: A language gets its own line in the reports when it has at least this many pages.
MIN_LANGUAGE_PAGES = 20


def _groups(keys: Sequence[str], langs: Sequence[str]) -> list[tuple[str, list[int]]]:
    """(label, page indexes): all pages, the two fixed halves, then each language with enough pages."""
    groups = [("all", list(range(len(keys))))]
    groups += [(f"half {h}", [i for i, k in enumerate(keys) if half(k) == h]) for h in "ab"]
    groups += [
        (lang, [i for i, g in enumerate(langs) if g == lang]) for lang in by_group(langs, MIN_LANGUAGE_PAGES)
    ]
    return groups


def aeb_report(directory: Path | None, rules: RuleSet | None, verbose: bool = False) -> list[str]:
    """The benchmark's metric plus residue lines and lost prose paragraphs, newsbot next to bare
    trafilatura, for all pages, each half and each language with enough pages."""
    return truth_report("aeb-dev", load_aeb(directory), rules, verbose)


def truth_report(
    name: str, aeb: Sequence[AebPage], rules: RuleSet | None, verbose: bool = False
) -> list[str]:
    """:func:`aeb_report` for any pages with a true body (``name`` heads the report)."""
    pages = [Page(p.id, p.url, "", p.html) for p in aeb]
    outcomes, bare, timing = _run_both(pages, rules)
    preds = [oc.body for oc in outcomes]
    langs = [oc.language or "und" for oc in outcomes]
    lines = [
        f"{name}: {len(aeb)} pages; {timing}; newsbot rejected {sum(1 for oc in outcomes if oc.reject)}; "
        f"{_paths(outcomes)}",
        f"  {'':10} {'pages':>5}  {'newsbot P/R/F1':<22} residue lost   "
        f"{'trafilatura P/R/F1':<22} residue lost",
    ]
    for label, idx in _groups([p.id for p in aeb], langs):
        row = f"  {label:10} {len(idx):5}"
        for texts in (preds, bare):
            sc = score((texts[i], aeb[i].truth) for i in idx)
            ls = LineScore()
            for i in idx:
                ls.add(texts[i], aeb[i].truth)
            row += f"  {sc.precision:.3f} {sc.recall:.3f} {sc.f1:.4f} {ls.residue:7} {ls.lost:4}  "
        lines.append(row.rstrip())
    causes: list[tuple[str, str, str]] = []  # (page, cause, paragraph)
    for page, pred, oc, bare_text in zip(aeb, preds, outcomes, bare, strict=True):
        ls = LineScore()
        ls.add(pred, page.truth)
        short = [
            t
            for t in page.truth.splitlines()
            if 4 <= len(t.split()) < PROSE_WORDS and not holds_paragraph(pred, t)
        ]
        for para in ls.lost_lines + short:
            cause = attribute(
                para,
                reject=oc.reject,
                extracted=oc.extracted,
                removed=oc.removed,
                bare=bare_text,
                holds=holds_paragraph,
            )
            causes.append((page.id, cause if para not in short else f"{cause} (short)", para))
    lines += _loss_lines("lost truth lines", causes, dict(zip((p.id for p in aeb), langs, strict=True)))
    if verbose:
        for page, pred, bare_text in zip(aeb, preds, bare, strict=True):
            ours, theirs = score([(pred, page.truth)]).f1, score([(bare_text, page.truth)]).f1
            name = page.id if len(page.id) <= 24 else page.id[:10]  # a hash id is known by its start
            print(f"  [{name}] F1 newsbot {ours:.3f}, trafilatura {theirs:.3f}")
        for key, cause, para in causes:
            print(f"  [{key[:10]}] LOST ({cause}): {para[:140]}")
        _explain_aeb(aeb, outcomes)
        for page, pred in zip(aeb, preds, strict=True):
            ls = LineScore()
            ls.add(pred, page.truth)
            for line in ls.residue_lines:
                print(f"  [{page.id[:10]}] RESIDUE: {line[:140]}")
            for line in ls.lost_lines:
                print(f"  [{page.id[:10]}] MISSING: {line[:140]}")
    return lines


def eval_report(directory: Path, rules: RuleSet | None, verbose: bool = False) -> list[str]:
    """trafilatura-eval's snippets, newsbot next to bare ``trafilatura.extract(html, url=url,
    include_comments=False)``, for all pages, each half and each language with enough pages."""
    evp = load_eval(directory)
    pages = [Page(p.file, p.url, "", p.html) for p in evp]
    outcomes, bare, timing = _run_both(pages, rules)
    preds = [oc.body for oc in outcomes]
    langs = [oc.language or "und" for oc in outcomes]
    lines = [
        f"trafilatura-eval: {len(evp)} pages; {timing}; newsbot rejected "
        f"{sum(1 for oc in outcomes if oc.reject)}; {_paths(outcomes)}",
        f"  {'':10} {'pages':>5}  {'newsbot: F1':<11} with found/missing, without left  "
        f"{'trafilatura: F1':<15} with found/missing, without left",
    ]
    for label, idx in _groups([p.file for p in evp], langs):
        row = f"  {label:10} {len(idx):5}"
        for texts in (preds, bare):
            sc = SnippetScore()
            for i in idx:
                sc.add(evp[i], texts[i])
            row += (
                f"  {sc.f1:.4f} {sc.with_found:5} / {sc.with_missing:4}, {sc.without_left:4} left" + " " * 11
            )
        lines.append(row.rstrip())
    causes: list[tuple[str, str, str]] = []
    for page, pred, oc, bare_text in zip(evp, preds, outcomes, bare, strict=True):
        sc = SnippetScore()
        sc.add(page, pred)
        for _, snip in sc.missing:
            cause = attribute(
                snip,
                reject=oc.reject,
                extracted=oc.extracted,
                removed=oc.removed,
                bare=bare_text,
                holds=holds_snippet,
            )
            causes.append((page.file, cause, snip))
    lines += _loss_lines("missing with", causes, dict(zip((p.file for p in evp), langs, strict=True)))
    if verbose:
        for key, cause, snip in causes:
            print(f"  [{key}] MISSING ({cause}): {snip[:140]}")
        sc = SnippetScore()
        for page, pred, oc in zip(evp, preds, outcomes, strict=True):
            sc.add(page, pred)
            if oc.reject:
                print(f"  [{page.file}] REJECTED {oc.reject}")
        for file, snip in sc.left:
            print(f"  [{file}] LEFT: {snip[:140]}")
    return lines


def _paths(outcomes: Sequence[Outcome]) -> str:
    """How many bodies each extraction pass gave: what the escalation costs."""
    counts = Counter(oc.path for oc in outcomes if oc.path)
    return "extraction " + ", ".join(f"{path} {n}" for path, n in counts.most_common())


def _run_both(pages: Sequence[Page], rules: RuleSet | None) -> tuple[list[Outcome], list[str], str]:
    """newsbot's crawl processing and bare trafilatura on the same pages, and their CPU time."""
    t0 = time.process_time()
    outcomes = run_pipeline(pages, rules)
    t_pipe = time.process_time() - t0
    t0 = time.process_time()
    bare = [trafilatura.extract(p.html, url=p.url, include_comments=False) or "" for p in pages]
    t_bare = time.process_time() - t0
    n = max(1, len(pages))
    timing = (
        f"CPU newsbot {1000 * t_pipe / n:.1f} ms/page (every page stage), "
        f"trafilatura {1000 * t_bare / n:.1f} ms/page"
    )
    return outcomes, bare, timing


def _loss_lines(what: str, causes: Sequence[tuple[str, str, str]], langs: dict[str, str]) -> list[str]:
    """Where the missing texts were lost (:mod:`newsbot.bench.losses`): all, each half, each language."""
    rows = []
    groups = [("all", list(causes))]
    groups += [(f"half {h}", [c for c in causes if half(c[0]) == h]) for h in "ab"]
    groups += [
        (lang, [c for c in causes if langs[c[0]] == lang])
        for lang in by_group(langs.values(), MIN_LANGUAGE_PAGES)
    ]
    for label, group in groups:
        rows.append(f"  {what}, {label}: {len(group)} = {summary(Counter(c[1] for c in group))}")
    return rows


def _explain_aeb(aeb: Sequence[object], outcomes: Sequence[Outcome]) -> None:
    """Removed paragraphs whose words are in the truth: candidate losses to look at."""
    from newsbot.bench.aeb import shingles

    for page, oc in zip(aeb, outcomes, strict=True):
        truth = shingles(page.truth)  # type: ignore[attr-defined]
        if oc.reject:
            print(f"  [{page.id[:10]}] REJECTED {oc.reject}")  # type: ignore[attr-defined]
        for stage, text in oc.removed:
            sh = shingles(text)
            if sh and sum((sh & truth).values()) / sum(sh.values()) >= 0.5:
                print(f"  [{page.id[:10]}] LOST ({stage}): {text[:140]}")  # type: ignore[attr-defined]


# --- the dirty record -----------------------------------------------------------------------------


def check_dirty_record(path: Path, rules: RuleSet) -> tuple[bool, str]:
    """Title = first line; expected body: standfirst, lead and the 11 paragraphs once each."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    title, body = lines[0], lines[1:]
    standfirst = body[1]
    res = clean_paragraphs(body, title=title, description=standfirst, rules=rules)
    expected = [standfirst] + [body[3]] + body[4:15]
    ok = res.paragraphs == expected and len(expected) == 13
    return ok, f"{len(res.paragraphs)} paragraphs (expected {len(expected)})"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newsbot.bench.cleaning", description=(__doc__ or "").split("\n")[0]
    )
    root = project_root()
    parser.add_argument("--corpus", type=Path, default=root / "tests" / "corpora" / "cleaning")
    parser.add_argument("--aeb", type=Path, default=root / ".." / "shared" / "aeb-dev")
    parser.add_argument("--eval", type=Path, default=root / ".." / "shared" / "trafilatura-eval")
    parser.add_argument("--dirty", type=Path, default=root / "tests" / "data" / "dirty-record.txt")
    parser.add_argument(
        "--newspaper4k",
        type=Path,
        help="also newspaper4k's test pages: the tests/data directory of its source distribution",
    )
    parser.add_argument("--skip", action="append", default=[], choices=["corpus", "aeb", "eval", "dirty"])
    parser.add_argument("-v", "--verbose", action="store_true", help="list losses and residue")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    rules = default_ruleset()
    print(f"rules: {len(rules)}")
    status = 0
    if "dirty" not in args.skip and args.dirty.exists():
        ok, detail = check_dirty_record(args.dirty, rules)
        print(f"dirty record: {'OK' if ok else 'FAIL'} ({detail})")
        status |= not ok
    if "corpus" not in args.skip and args.corpus.is_dir():
        pages = load_corpus(args.corpus)
        if pages:
            rep = corpus_report(pages, None, args.verbose)
            print(
                "corpus: {pages} pages  keep P={keep_precision:.4f} R={keep_recall:.4f}  "
                "drop P={drop_precision:.4f} R={drop_recall:.4f}  real kept={real_kept:.2%}  "
                "boilerplate residue={boilerplate_residue}  duplicate residue={duplicate_residue}  "
                "not-article rejected={not_article_rejected}/{not_article_total}  "
                "articles rejected={articles_rejected}".format(**rep)
            )
    if "aeb" not in args.skip and args.aeb.is_dir():
        print("\n".join(aeb_report(args.aeb, None, args.verbose)))
    if "eval" not in args.skip and args.eval.is_dir():
        print("\n".join(eval_report(args.eval, None, args.verbose)))
    if args.newspaper4k is not None:
        pages = load_text_pages(args.newspaper4k)
        if not pages:
            print(f"newspaper4k: no pages under {args.newspaper4k} (html/, txt/)", file=sys.stderr)
            return 2
        print("\n".join(truth_report("newspaper4k", pages, None, args.verbose)))
    return status


if __name__ == "__main__":
    sys.exit(main())
