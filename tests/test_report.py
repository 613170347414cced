"""``newsbot report``: the page of a real crawl's dataset, opened in real headless Chromium.

The dataset comes from ``newsbot demo`` (the whole pipeline on the bundled site) followed by two
``newsbot crawl --sources kyiv`` runs with kyiv unreachable, so the source-health table has a
failing source and three healthy ones. What the charts hold is compared with the dataset read
back independently with pyarrow; what the table says, with the run summaries on disk.
"""

from __future__ import annotations

import json
import re
import socket
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from newsbot.demo.server import SITE_ROOT, SOURCES_TEMPLATE, discover_outlets, render_sources
from newsbot.extensions.summary import build_summary
from newsbot.report.data import Articles, Runs
from newsbot.report.health import parse_time, source_health
from newsbot.storage.parquet import write_table_atomic
from newsbot.storage.schema import ARTICLE_SCHEMA
from tests.browser import Browser, chromium_path
from tests.data.hostile.harness import FAST, newsbot, read_articles, read_rejects, summaries

needs_chromium = pytest.mark.skipif(
    chromium_path() is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)

CHARTS = {
    "chart-records-per-day",
    "chart-languages",
    "chart-conflict-score",
    "chart-near-duplicates",
    "chart-rejects",
}

#: Every drawn chart's id, trace count and the bars a person can see (at least 2 x 1 pixels on
#: screen), once plotly has drawn them all.
RENDERED = """(() => {
  const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
  if (plots.length === 0 || plots.some(p => !p.querySelector('svg.main-svg'))) return null;
  const seen = p => Array.from(p.querySelectorAll('.point path')).filter(e => {
    const r = e.getBoundingClientRect(); return r.width >= 2 && r.height >= 1; }).length;
  return plots.map(p => ({id: p.id, traces: p.data.length, bars: seen(p)}));
})()"""


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    out = tmp / "out"
    proc = newsbot("demo", "--output", str(out), "--progress", "off", "-s", "NEWSBOT_WORKERS=0", timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    port = _dead_port()
    dead = tmp / "dead-sources.toml"
    dead.write_text(
        render_sources(
            SOURCES_TEMPLATE, {o: f"http://127.0.0.1:{port}" for o in discover_outlets(SITE_ROOT)}
        ),
        encoding="utf-8",
    )
    for _ in range(2):
        proc = newsbot(
            "crawl", "--output", str(out), "--sources", "kyiv", *FAST,
            "-s", "RETRY_TIMES=0", "-s", f"NEWSBOT_SOURCES_FILE={dead}",
        )  # fmt: skip
        assert proc.returncode == 4, proc.stderr[-3000:]  # every source (kyiv) failed
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    if chromium_path() is None:
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    with Browser(tmp_path_factory.mktemp("chromium-profile")) as b:
        yield b


def _rows(table: Browser, source: str) -> dict[str, str]:
    cells = table.evaluate(
        f"""(() => {{
          const row = document.querySelector('#source-health tr[data-source={json.dumps(source)}]');
          if (!row) return null;
          const get = c => row.querySelector('.' + c).textContent.trim();
          return {{failed: get('failed-runs'), recent: get('recent'), records: get('records'),
                   last_run: get('last-run'), last_success: get('last-success'), failing: row.className}};
        }})()"""
    )
    assert cells is not None, f"no row for {source}"
    return cells


@needs_chromium
def test_the_report_renders_every_chart_with_the_datasets_counts(crawled: Path, browser: Browser) -> None:
    proc = newsbot("report", "--output", str(crawled))
    assert proc.returncode == 0, proc.stderr[-3000:]
    page = crawled / "report.html"
    assert f"Report: {page} " in proc.stdout and "3 run summaries" in proc.stdout
    html = page.read_text(encoding="utf-8")
    # self-contained: nothing is loaded from anywhere, plotly.js is in the page
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)=", html)
    assert len(html) > 3_000_000

    browser.open(page)
    plots = browser.wait_for(RENDERED)
    browser.settle(1.0)
    assert browser.log.errors() == []
    assert browser.log.network() == []
    assert plots is not None, browser.evaluate("document.body.innerText")[:2000]
    assert {p["id"] for p in plots} == CHARTS
    assert all(p["bars"] > 0 for p in plots), plots  # bars one can see, not only axes

    articles = read_articles(crawled).to_pylist()
    rejects = read_rejects(crawled)
    per_source = Counter(r["source"] for r in articles)

    def visible_sum(chart: str, axis: str) -> float:
        return browser.evaluate(
            f"document.getElementById('{chart}').data.filter(t => t.visible !== false)"
            f".reduce((s, t) => s + Array.from(t.{axis}).reduce((a, b) => a + b, 0), 0)"
        )

    dated = [r for r in articles if r["published_at"] is not None]
    assert visible_sum("chart-records-per-day", "y") == len(dated)
    names = browser.evaluate(
        "document.getElementById('chart-records-per-day').data"
        ".filter(t => t.visible !== false).map(t => t.name)"
    )
    assert sorted(names) == sorted({r["source"] for r in dated})
    # the menu's other view (by day of fetch) holds every record
    browser.evaluate(
        "(() => { const gd = document.getElementById('chart-records-per-day');"
        " const b = gd.layout.updatemenus[0].buttons.find(b => b.label === 'by day fetched');"
        " return Plotly.update(gd, b.args[0], b.args[1]).then(() => true); })()"
    )
    assert visible_sum("chart-records-per-day", "y") == len(articles)
    assert visible_sum("chart-languages", "x") == len(articles)
    scored = [r for r in articles if r["conflict_score"] is not None]
    assert visible_sum("chart-conflict-score", "y") == len(scored)
    dup_trace = browser.evaluate(
        "document.getElementById('chart-near-duplicates').data.find(t => t.name === 'near-duplicate')"
    )
    duplicates = Counter(r["source"] for r in articles if r["duplicate_of"] is not None)
    assert dict(zip(dup_trace["y"], dup_trace["x"], strict=True)) == {s: duplicates[s] for s in per_source}
    assert sum(duplicates.values()) > 0  # the demo has syndicated copies: the chart is not all zeros
    assert visible_sum("chart-rejects", "y") == len(rejects) > 0
    reasons = browser.evaluate("document.getElementById('chart-rejects').data.map(t => t.name)")
    assert sorted(reasons) == sorted({r["reason"] for r in rejects})
    assert browser.log.errors() == []

    # source health, from the three run summaries
    runs = summaries(crawled)
    demo_run = next(s for s in runs if s["sources"].get("meridian", {}).get("status") == "ok")
    demo_finished = f"{parse_time(demo_run['finished_at']).astimezone(UTC):%Y-%m-%d %H:%M}"
    kyiv = _rows(browser, "kyiv")
    assert kyiv["failed"] == "2" and "failed" in kyiv["last_run"] and kyiv["failing"] == "failing"
    assert kyiv["last_success"] == demo_finished
    assert kyiv["recent"] == str(per_source["kyiv"])  # its records from the demo run are still there
    for source in ("meridian", "sahel", "levant"):
        row = _rows(browser, source)
        assert row["failed"] == "0" and row["last_run"].startswith("ok"), row
        assert row["last_success"] == demo_finished
        assert row["recent"] == row["records"] == str(per_source[source])
    # failing sources come first
    first = browser.evaluate("document.querySelector('#source-health tr[data-source]').dataset.source")
    assert first == "kyiv"


@needs_chromium
def test_an_empty_dataset_gives_a_page_that_says_so(tmp_path: Path, browser: Browser) -> None:
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "broken.json").write_text('{"run_id": ', encoding="utf-8")
    proc = newsbot("report", "--output", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "0 records from 0 sources, 0 rejected pages, 0 run summaries" in proc.stdout
    assert "broken.json cannot be read" in proc.stderr
    browser.open(tmp_path / "report.html")
    text = browser.wait_for("document.readyState === 'complete' && document.body.innerText")
    browser.settle(0.5)
    assert browser.log.errors() == [] and browser.log.network() == []
    assert browser.evaluate("document.querySelectorAll('.js-plotly-plot').length") == 0
    assert f"No records yet under {tmp_path}/articles." in text
    assert f"No rejected pages under {tmp_path}/rejects." in text
    assert f"No run summaries under {tmp_path}/runs." in text
    assert "Could not read the run summary broken.json" in text


@needs_chromium
def test_names_from_the_data_cannot_break_the_page(tmp_path: Path, browser: Browser) -> None:
    now = datetime.now(UTC)
    hostile = "x</script><script>console.error('injected')</script>"
    rows = [
        {"id": f"{i}", "url": f"https://x.example/{i}", "canonical_url": f"https://x.example/{i}",
         "source": hostile if i % 2 else "plain & <b>bold</b>", "body": "text", "fetched_at": now,
         "published_at": now - timedelta(days=i), "authors": [], "language": "en",
         "conflict_score": 0.9, "duplicate_of": None}
        for i in range(6)
    ]  # fmt: skip
    write_table_atomic(
        pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA),
        tmp_path / "articles" / "date=2026-11-24" / "p.parquet",
    )
    assert newsbot("report", "--output", str(tmp_path)).returncode == 0
    browser.open(tmp_path / "report.html")
    plots = browser.wait_for(RENDERED)
    browser.settle(0.5)
    assert browser.log.errors() == [] and browser.log.console == []
    assert {p["id"] for p in plots} == CHARTS - {"chart-rejects"}
    names = browser.evaluate("document.getElementById('chart-records-per-day').data.map(t => t.name)")
    assert sorted(set(names)) == sorted({hostile, "plain & <b>bold</b>"})
    cells = browser.evaluate(
        "Array.from(document.querySelectorAll('#source-health tr[data-source]')).map(r => r.dataset.source)"
    )
    assert sorted(cells) == sorted({hostile, "plain & <b>bold</b>"})


def test_a_missing_dataset_is_a_usage_error(tmp_path: Path) -> None:
    proc = newsbot("report", "--output", str(tmp_path / "nowhere"))
    assert proc.returncode == 2
    assert f"no dataset at {tmp_path / 'nowhere'}" in proc.stderr
    assert not (tmp_path / "nowhere").exists()
    assert newsbot("report", "--output", str(tmp_path), "--days", "0").returncode == 2


def _summary(start: datetime, sources: dict[str, dict[str, int]], reason: str | None = "finished") -> dict:
    stats: dict[str, object] = {"start_time": start}
    for sid, counts in sources.items():
        stats.update({f"newsbot/source/{sid}/{k}": v for k, v in counts.items()})
    summary = build_summary(stats, run=f"{start:%Y%m%dT%H%M%SZ}-000000", spider="news", reason=reason)
    summary["finished_at"] = (start + timedelta(minutes=10)).isoformat() if reason else None
    return summary


OK = {"requests": 3, "responses/200": 3, "stored": 2}
REFUSED = {"requests": 2, "download_errors/twisted.internet.error.ConnectionRefusedError": 2}
IDLE = {"discovery/listed": 0}


def test_health_counts_failures_since_the_last_success_and_ignores_idle_and_unfinished_runs() -> None:
    t0 = datetime(2026, 11, 20, 6, tzinfo=UTC)
    runs = [
        _summary(t0, {"kyiv": OK, "meridian": OK}),
        _summary(t0 + timedelta(hours=1), {"kyiv": REFUSED, "meridian": IDLE}),  # meridian not asked
        _summary(t0 + timedelta(hours=2), {"kyiv": REFUSED}),
        _summary(t0 + timedelta(hours=3), {"kyiv": OK}, reason=None),  # still running, or killed
    ]
    assert (
        runs[1]["sources"]["meridian"]["status"] == "idle"
        and runs[1]["sources"]["kyiv"]["status"] == "failed"
    )
    articles = Articles(per_source={"kyiv": (4, 0, 1, t0), "levant": (3, 1, 0, t0)})
    health = {h.source: h for h in source_health(Runs(summaries=runs), articles)}
    kyiv, meridian, levant = health["kyiv"], health["meridian"], health["levant"]
    assert (kyiv.failed_runs, kyiv.runs, kyiv.last_status) == (2, 3, "failed")
    assert kyiv.last_success == parse_time(runs[0]["finished_at"])
    assert kyiv.last_errors == "ConnectionRefusedError 2"
    assert (kyiv.records, kyiv.recent_records) == (4, 1)
    assert (meridian.failed_runs, meridian.runs, meridian.last_status) == (0, 1, "ok")
    assert (levant.runs, levant.last_status, levant.records) == (0, None, 3)  # in the data, in no run
    assert [h.source for h in source_health(Runs(summaries=runs), articles)][0] == "kyiv"
    # one success ends the run of failures
    runs.append(_summary(t0 + timedelta(hours=4), {"kyiv": OK}))
    kyiv = next(h for h in source_health(Runs(summaries=runs), articles) if h.source == "kyiv")
    assert (kyiv.failed_runs, kyiv.last_status) == (0, "ok")
    assert kyiv.last_success == parse_time(runs[-1]["finished_at"])
