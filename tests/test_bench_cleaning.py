"""``newsbot bench cleaning --newspaper4k DIR``: pages in newspaper4k's test-data layout are
scored with the aeb-dev metric, newsbot next to bare trafilatura."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from newsbot.bench.cleaning import main
from newsbot.bench.evalpages import load_text_pages

PARAGRAPHS = [
    f"Paragraph {i}: the convoy of eleven trucks reached the city after a night at the checkpoint, "
    "and the drivers said the road south of the river had been shelled twice since Sunday."
    for i in range(6)
]


def _write(root: Path, name: str, url: str | None) -> None:
    for sub in ("html", "txt", "metadata"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = (
        f"<html><head><title>Convoy {name}</title></head><body><article><h1>Convoy {name}</h1>{body}"
        '<p><a href="/news/other-story">Read more: Talks resume in Geneva</a></p></article></body></html>'
    )
    (root / "html" / f"{name}.html").write_text(html, encoding="utf-8")
    # the expected text, written by hand: the paragraphs, not the teaser
    (root / "txt" / f"{name}.txt").write_text("\n\n".join(PARAGRAPHS), encoding="utf-8")
    if url:
        (root / "metadata" / f"{name}.json").write_text(json.dumps({"url": url}), encoding="utf-8")


def test_pages_are_read_with_their_url_or_a_stand_in(tmp_path: Path) -> None:
    _write(tmp_path, "convoy_one", "https://news.example.org/2026/11/convoy")
    _write(tmp_path, "convoy_two", None)
    (tmp_path / "txt" / "no_html.txt").write_text("a text without its page", encoding="utf-8")
    pages = load_text_pages(tmp_path)
    assert [p.id for p in pages] == ["convoy_one", "convoy_two"]
    assert pages[0].url == "https://news.example.org/2026/11/convoy"
    assert pages[1].url.startswith("https://convoy-two.")
    assert "Paragraph 5" in pages[1].truth and "<p>" in pages[1].html


def test_the_report_scores_newsbot_next_to_bare_trafilatura(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, "convoy_one", "https://news.example.org/2026/11/convoy")
    _write(tmp_path, "convoy_two", "https://other.example.net/world/convoy")
    skip = ["--skip", "corpus", "--skip", "aeb", "--skip", "eval", "--skip", "dirty"]
    assert main([*skip, "--newspaper4k", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "newspaper4k: 2 pages" in out
    row = re.search(
        r"^\s+all\s+2\s+([\d.]+) ([\d.]+) ([\d.]+)\s+(\d+)\s+(\d+)\s+([\d.]+) ([\d.]+) ([\d.]+)", out, re.M
    )
    assert row, out
    precision, recall = float(row.group(1)), float(row.group(2))
    bare_precision = float(row.group(6))
    # the teaser goes and every paragraph stays; bare trafilatura keeps the teaser
    assert recall == 1.0 and precision == 1.0
    assert bare_precision < 1.0


def test_verbose_prints_each_pages_f1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, "convoy_one", "https://news.example.org/2026/11/convoy")
    skip = ["--skip", "corpus", "--skip", "aeb", "--skip", "eval", "--skip", "dirty"]
    assert main([*skip, "-v", "--newspaper4k", str(tmp_path)]) == 0
    line = re.search(r"\[convoy_one\] F1 newsbot ([\d.]+), trafilatura ([\d.]+)", capsys.readouterr().out)
    assert line and float(line.group(1)) == 1.0 and float(line.group(2)) < 1.0


def test_a_directory_without_pages_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    skip = ["--skip", "corpus", "--skip", "aeb", "--skip", "eval", "--skip", "dirty"]
    assert main([*skip, "--newspaper4k", str(tmp_path)]) == 2
    assert "no pages under" in capsys.readouterr().err
