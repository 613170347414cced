"""What a newcomer meets in the first hour (issue 14): each test runs the real command."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pyarrow.parquet as pq

from newsbot.storage.schema import ARTICLE_COLUMNS
from tests.conftest import ServedSite
from tests.crawl_helpers import ROOT, run_in_pty, scrapy_crawl
from tests.data.hostile.harness import FAST, newsbot, newsbot_cmd, read_articles


def _registry(site: ServedSite, tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(site.sources_toml(), encoding="utf-8")
    return path


def _crawl(site: ServedSite, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    reg = _registry(site, tmp_path)
    return newsbot("crawl", *FAST, "-s", f"NEWSBOT_SOURCES_FILE={reg}", *args)


# --- 1. an empty list argument is a usage error ------------------------------------------------


def test_an_empty_list_argument_is_a_usage_error_not_everything(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for arg, value in (("--feeds", ""), ("--sources", " , "), ("--sitemaps", "  "), ("--urls", "")):
        proc = newsbot("crawl", "--output", str(out), arg, value)
        assert proc.returncode == 2, (arg, proc.stderr[-2000:])
        assert f"'{arg[2:]}'" in proc.stderr and "empty" in proc.stderr, proc.stderr
    proc = scrapy_crawl("-a", "feeds= ", "-s", f"NEWSBOT_OUTPUT_DIR={out}")
    assert proc.returncode != 0
    assert "'feeds'" in proc.stderr and "empty" in proc.stderr
    assert not (out / "runs").exists()  # nothing was crawled


# --- 2. one line per reject --------------------------------------------------------------------


def test_each_reject_is_one_info_line_without_the_item(demo_site: ServedSite, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = _crawl(
        demo_site, tmp_path, "--output", str(out), "--sources", "meridian", "-s", "NEWSBOT_MIN_WORDS=400"
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rejected = [ln for ln in proc.stderr.splitlines() if "] INFO: Rejected " in ln]
    assert rejected, proc.stderr[-3000:]
    assert all(" (" in ln and "http" in ln for ln in rejected)
    assert "Dropped:" not in proc.stderr
    assert max(len(ln) for ln in rejected) < 400
    summary = json.loads(next((out / "runs").glob("*.json")).read_text())
    assert sum(summary["totals"]["drops"].values()) == len(rejected)


# --- 5 and 9. -o/-O FILE are Scrapy's feed exports; the dataset is --output DIR ----------------


def test_o_and_O_write_a_feed_file_with_the_dataset_columns(demo_site: ServedSite, tmp_path: Path) -> None:
    out = tmp_path / "out"
    jsonl = tmp_path / "story.jsonl"
    parquet = tmp_path / "story.parquet"
    jsonl.write_text("stale\n", encoding="utf-8")
    proc = _crawl(
        demo_site,
        tmp_path,
        "--output",
        str(out),
        "--sources",
        "meridian",
        "-O",
        str(jsonl),
        "-O",
        str(parquet),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert parquet.is_file() and jsonl.is_file()  # files, not directories
    stored = read_articles(out).num_rows
    lines = jsonl.read_text(encoding="utf-8").splitlines()
    assert "stale" not in lines and len(lines) == stored > 0  # -O overwrote
    for line in lines:
        record = json.loads(line)
        assert set(record) <= set(ARTICLE_COLUMNS)
        assert not set(record) & {"html", "hints", "paragraphs", "prepared", "removed"}
    assert pq.read_table(parquet).num_rows == stored


def test_feed_export_fields_set_by_the_user_win(demo_site: ServedSite, tmp_path: Path) -> None:
    jsonl = tmp_path / "story.jsonl"
    proc = _crawl(demo_site, tmp_path, "--output", str(tmp_path / "out"), "--sources", "meridian",
                  "-O", str(jsonl), "-s", "FEED_EXPORT_FIELDS=url,title")  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = [json.loads(ln) for ln in jsonl.read_text(encoding="utf-8").splitlines()]
    assert records and all(set(r) == {"url", "title"} for r in records)


def test_a_usage_error_prints_the_subcommands_usage() -> None:
    proc = newsbot("crawl", "--no-such-option")
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: newsbot crawl ")
    assert "unrecognized arguments: --no-such-option" in proc.stderr
    proc = newsbot("crawl", "-o", "a.nosuchformat")
    assert proc.returncode == 2 and "nosuchformat" in proc.stderr


# --- 12. --urls repeatable, URLs with commas, --urls-file ---------------------------------------


def test_urls_repeat_keep_commas_and_come_from_a_file_or_stdin(demo_site: ServedSite, tmp_path: Path) -> None:
    articles = sorted(p for p in (demo_site.root / "meridian").rglob("*.html") if "/20" in str(p))[:4]
    urls = [
        demo_site.url("meridian", "/" + str(p.relative_to(demo_site.root / "meridian"))) for p in articles
    ]
    demo_site.clear_log()
    comma = urls[0] + "?a=1,2"  # one URL that contains a comma
    listed = tmp_path / "urls.txt"
    listed.write_text(f"# a comment\n{urls[2]}\n\n", encoding="utf-8")
    out = tmp_path / "out"
    reg = _registry(demo_site, tmp_path)
    cmd = newsbot_cmd("crawl", *FAST, "-s", f"NEWSBOT_SOURCES_FILE={reg}", "--output", str(out),
                      "--urls", comma, "--urls", urls[1], "--urls-file", "-")  # fmt: skip
    proc = subprocess.run(cmd, cwd=ROOT, input=f"{urls[3]}\n", capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    paths = ["/" + str(p.relative_to(demo_site.root / "meridian")) for p in articles]
    fetched = {r["path"] for r in demo_site.requests()}
    assert {paths[0] + "?a=1,2", paths[1], paths[3]} <= fetched, fetched
    assert paths[2] not in fetched
    proc = _crawl(demo_site, tmp_path, "--output", str(out), "--urls-file", str(listed))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert paths[2] in {r["path"] for r in demo_site.requests()}
    empty = tmp_path / "empty.txt"
    empty.write_text("\n# nothing\n", encoding="utf-8")
    for bad in (str(empty), str(tmp_path / "missing.txt")):
        proc = newsbot("crawl", "--output", str(out), "--urls-file", bad)
        assert proc.returncode == 2 and "--urls-file" in proc.stderr


# --- 7. help, pipes, sources check -------------------------------------------------------------


def test_sources_and_bench_help_work() -> None:
    for cmd in (("sources", "--help"), ("bench", "--help")):
        proc = newsbot(*cmd)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(f"usage: newsbot {cmd[0]} ")


def test_stats_into_head_ends_without_a_traceback(demo_site: ServedSite, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _crawl(demo_site, tmp_path, "--output", str(out), "--sources", "meridian").returncode == 0
    cmd = " ".join(shlex.quote(c) for c in newsbot_cmd("stats", "--output", str(out)))
    proc = subprocess.run(
        ["bash", "-c", f"{cmd} | head -3"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert len(proc.stdout.splitlines()) == 3
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr, proc.stderr


def test_sources_check_piped_is_plain_text_and_reads_robots_txt(
    demo_site: ServedSite, tmp_path: Path
) -> None:
    reg = tmp_path / "sources.toml"
    reg.write_text(
        f'[[source]]\nid = "kyiv"\nname = "Kyiv"\nhomepage = "{demo_site.url("kyiv")}"\nlanguages = ["uk"]\n'
        f'sitemaps = ["{demo_site.url("kyiv", "/robots.txt")}"]\n'
        f'feeds = ["{demo_site.url("kyiv", "/rss.xml")}"]\n'
        "enabled = true\n",
        encoding="utf-8",
    )
    proc = newsbot("sources", "check", "--sources", str(reg))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "\x1b[" not in proc.stdout and "┃" not in proc.stdout and "│" not in proc.stdout
    robots = next(ln for ln in proc.stdout.splitlines() if "robots.txt" in ln.split()[2:3][0])
    assert "robots.txt" in robots.split() and "not well-formed" not in proc.stdout
    assert proc.stdout.splitlines()[-1] == "2 of 2 addresses OK, 0 failed"


def test_sources_check_on_a_terminal_draws_a_table(demo_site: ServedSite, tmp_path: Path) -> None:
    reg = tmp_path / "sources.toml"
    reg.write_text(
        f'[[source]]\nid = "kyiv"\nname = "Kyiv"\nhomepage = "{demo_site.url("kyiv")}"\nlanguages = ["uk"]\n'
        f'feeds = ["{demo_site.url("kyiv", "/rss.xml")}"]\nenabled = true\n',
        encoding="utf-8",
    )
    output = run_in_pty(newsbot_cmd("sources", "check", "--sources", str(reg)))
    assert "┃" in output or "│" in output
    assert "addresses OK" in output and "\x1b[" in output  # a terminal gets colour


# --- 12. newsbot extract URL --format ----------------------------------------------------------


def test_extract_a_url_as_text_markdown_or_json(demo_site: ServedSite) -> None:
    page = next(p for p in sorted((demo_site.root / "meridian" / "world").rglob("*.html")))
    url = demo_site.url("meridian", "/" + str(page.relative_to(demo_site.root / "meridian")))
    record = json.loads(newsbot("extract", url).stdout)
    text = newsbot("extract", url, "--format", "text")
    assert text.returncode == 0 and text.stdout == record["body"].rstrip() + "\n"
    md = newsbot("extract", url, "--format", "markdown")
    assert md.returncode == 0 and md.stdout.startswith(f"# {record['title']}\n")
    assert record["body"].split("\n")[0] in md.stdout
    assert newsbot("extract", url, "--format", "html").returncode == 2


# --- 6. a misspelt NEWSBOT_* setting stops the run, naming the nearest known one ------------------


def test_a_misspelt_newsbot_setting_names_the_nearest_known_one(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = newsbot(
        "crawl", "--output", str(out), "--urls", "http://127.0.0.1:9/x", "-s", "NEWSBOT_BATCHSIZE=10"
    )
    assert proc.returncode == 2
    assert "NEWSBOT_BATCHSIZE" in proc.stderr and "did you mean NEWSBOT_BATCH_SIZE?" in proc.stderr
    proc = scrapy_crawl("-a", "urls=http://127.0.0.1:9/x", "-s", f"NEWSBOT_OUTPUT_DIR={out}",
                        "-s", "NEWSBOT_BATCHSIZE=10")  # fmt: skip
    assert proc.returncode != 0 and "did you mean NEWSBOT_BATCH_SIZE?" in proc.stderr
    assert not (out / "runs").exists()


# --- 11. a truncated feed is a counted listing failure ------------------------------------------


def test_a_truncated_feed_is_a_listing_failure(site_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "site" / "cut"
    root.mkdir(parents=True)
    (root / "index.html").write_text("<html><body>home</body></html>", encoding="utf-8")
    (root / "rss.xml").write_bytes(
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Cut</title>'
        b"<item><title>Shelling near the river</ti"
    )
    site = site_server(tmp_path / "site")
    out = tmp_path / "out"
    proc = newsbot("crawl", *FAST, "--output", str(out), "--feeds", site.url("cut", "/rss.xml"))
    assert "not parse completely" in proc.stderr and "WARNING" in proc.stderr, proc.stderr[-3000:]
    summary = json.loads(next((out / "runs").glob("*.json")).read_text())
    (source,) = summary["sources"].values()
    assert source["errors"]["listings"] == 1
    assert source["status"] == "failed"
    assert proc.returncode == 4
