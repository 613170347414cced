"""The report page: one HTML file with plotly.js inline, so it opens with no network at all.

Every chart section says in words why it is empty when it is (no records yet, no rejects, no
run summaries), so an empty dataset gives a page that explains itself rather than blank boxes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html import escape

from newsbot import __version__
from newsbot.report import charts
from newsbot.report.data import ReportData
from newsbot.report.health import SourceHealth, finished, run_time, source_health

#: Runs listed in the "Recent runs" table, latest first.
RECENT_RUNS = 10

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #222;
       background: #f6f7f9; }
header { background: #1f2937; color: #fff; padding: 14px 24px; }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 4px 0 0; font-size: 13px; color: #cbd5e1; }
main { padding: 16px 24px; max-width: 1400px; margin: auto; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 16px; }
.card { background: #fff; border-radius: 6px; padding: 10px 16px; min-width: 130px;
        box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.card b { display: block; font-size: 22px; }
.card span { font-size: 12px; color: #555; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px; }
section { min-width: 0; background: #fff; border-radius: 6px; padding: 12px 16px; margin-bottom: 16px;
          box-shadow: 0 1px 2px rgba(0,0,0,.08); }
section h2 { font-size: 16px; margin: 0 0 6px; }
.note { font-size: 12px; color: #555; margin: 4px 0; }
.empty { color: #555; font-style: italic; padding: 24px 0; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e5e7eb; }
td.t { white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.failing td { background: #fdecec; }
.status-ok { color: #15803d; } .status-failed { color: #b91c1c; font-weight: 600; }
"""


def _t(value: datetime | None, *, seconds: bool = False, utc: bool = True) -> str:
    if value is None:
        return "—"
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else "") + (" UTC" if utc else ""))


def _n(value: int) -> str:
    return f"{value:,}"


class Figures:
    """The page's charts: a placeholder ``<div>`` where each goes, one script at the end that draws them.

    Drawing after the whole page is parsed matters: a chart drawn while the grid around it has
    only its first cell would size itself to the full width of the page.
    """

    def __init__(self) -> None:
        self.specs: list[tuple[str, str]] = []

    def place(self, fig: object | None, div_id: str, empty: str) -> str:
        if fig is None:
            return f'<p class="empty">{escape(empty)}</p>'
        import plotly.io as pio

        self.specs.append((div_id, pio.to_json(fig, validate=False)))
        return f'<div id="{escape(div_id)}" class="chart"></div>'

    def script(self) -> str:
        if not self.specs:
            return ""
        # plotly's JSON escapes "<", ">" and "/": no "</script>" can come through from the data
        figures = "{" + ",".join(f"{json.dumps(i)}:{spec}" for i, spec in self.specs) + "}"
        return (
            "<script>(function(){var figures=" + figures + ";"
            "var config={displayModeBar:false,responsive:true};"
            "Object.keys(figures).forEach(function(id){"
            "Plotly.newPlot(id,figures[id].data,figures[id].layout,config);});})();</script>"
        )


def _section(title: str, body: str, *notes: str, cls: str = "") -> str:
    note_html = "".join(f'<p class="note">{escape(n)}</p>' for n in notes if n)
    return f'<section class="{cls}"><h2>{escape(title)}</h2>{note_html}{body}</section>'


def _cards(data: ReportData) -> str:
    a, r = data.articles, data.rejects
    cards = [
        (_n(a.total), "records"),
        (_n(a.sources), "sources"),
        (_n(len(a.languages)), "languages"),
        (f"{a.duplicates / a.total:.1%}" if a.total else "—", "near-duplicates"),
        (f"{a.relevant / a.total:.0%}" if a.total else "—", "conflict score ≥ 0.5"),
        (_n(r.total), "rejected pages"),
        (_n(len(data.runs.summaries)), "run summary" if len(data.runs.summaries) == 1 else "run summaries"),
    ]
    return (
        '<div class="cards">'
        + "".join(f'<div class="card"><b>{escape(v)}</b><span>{escape(k)}</span></div>' for v, k in cards)
        + "</div>"
    )


def _last_run(data: ReportData) -> str:
    done = finished(data.runs)
    return f"last finished run {_t(run_time(done[-1]))}" if done else "no finished run"


def _health_table(rows: list[SourceHealth]) -> str:
    head = (
        "<tr><th>source</th><th>last run (UTC)</th><th>last success (UTC)</th>"
        "<th class=n>consecutive failed runs</th>"
        "<th class=n>records, last 7 days</th><th class=n>records</th><th>last record fetched (UTC)</th>"
        "<th>errors in the last failed run</th></tr>"
    )
    body = []
    for h in rows:
        status = (
            f'<span class="status-{escape(h.last_status)}">{escape(h.last_status)}</span> '
            f"{_t(h.last_run_at, utc=False)}"
            if h.last_status
            else "no finished run"
        )
        body.append(
            f'<tr class="{"failing" if h.failing else ""}" data-source="{escape(h.source)}">'
            f'<td>{escape(h.source)}</td><td class="t last-run">{status}</td>'
            f'<td class="t last-success">{_t(h.last_success, utc=False)}</td>'
            f'<td class="n failed-runs">{h.failed_runs}</td><td class="n recent">{_n(h.recent_records)}</td>'
            f'<td class="n records">{_n(h.records)}</td><td class=t>{_t(h.last_fetched, utc=False)}</td>'
            f"<td>{escape(h.last_errors) if h.failing else ''}</td></tr>"
        )
    return f'<table id="source-health">{head}{"".join(body)}</table>'


def _runs_table(data: ReportData) -> str:
    head = (
        "<tr><th>run</th><th>spider</th><th>started</th><th class=n>seconds</th><th>finish reason</th>"
        "<th class=n>stored</th><th class=n>rejected</th><th>failed sources</th></tr>"
    )
    body = []
    for s in reversed(data.runs.summaries[-RECENT_RUNS:]):
        totals = s.get("totals") or {}
        drops = totals.get("drops") or {}
        failed = s.get("failed_sources") or []
        reason = s.get("finish_reason") or "not finished (running, or killed)"
        body.append(
            f"<tr><td>{escape(str(s.get('run_id')))}</td><td>{escape(str(s.get('spider', '')))}</td>"
            f"<td>{_t(run_time({'started_at': s.get('started_at')}))}</td>"
            f"<td class=n>{escape(str(s.get('elapsed_seconds') or '—'))}</td><td>{escape(str(reason))}</td>"
            f"<td class=n>{_n(int(totals.get('stored') or 0))}</td>"
            f"<td class=n>{_n(sum(int(v) for v in drops.values()))}</td>"
            f"<td>{escape(', '.join(map(str, failed)))}</td></tr>"
        )
    return f'<table id="recent-runs">{head}{"".join(body)}</table>'


def render(data: ReportData) -> str:
    from plotly.offline import get_plotlyjs

    a, r, runs = data.articles, data.rejects, data.runs
    figures = Figures()
    no_records = f"No records yet under {data.root}/articles."
    per_day_notes = []
    if a.published_window:
        start, end = a.published_window
        per_day_notes.append(f"Published {start} to {end}.")
    if a.undated or a.outside_window:
        per_day_notes.append(
            f"Not in the chart by day published: {_n(a.undated)} records without a publication date, "
            f"{_n(a.outside_window)} published outside that window."
        )
    sections = [
        _section(
            "Records per day, per source",
            figures.place(charts.records_per_day(a), "chart-records-per-day", no_records),
            *per_day_notes,
        ),
        _section("Languages", figures.place(charts.languages(a), "chart-languages", no_records)),
        _section(
            "Conflict score",
            figures.place(charts.conflict_scores(a), "chart-conflict-score", no_records),
            f"{_n(a.unscored)} records have no score." if a.unscored else "",
        ),
        _section(
            "Near-duplicates per source",
            figures.place(charts.near_duplicates(a), "chart-near-duplicates", no_records),
            f"{_n(a.duplicates)} of {_n(a.total)} records ({a.duplicates / a.total:.1%}) near-duplicate "
            "an earlier one (duplicate_of is set)."
            if a.total
            else "",
        ),
        _section(
            "Rejected pages per day, by reason",
            figures.place(
                charts.rejects_per_day(r), "chart-rejects", f"No rejected pages under {data.root}/rejects."
            ),
            ", ".join(f"{reason} {_n(n)}" for reason, n in r.reasons),
        ),
    ]
    health = source_health(runs, a)
    if not runs.summaries:
        health_body = f'<p class="empty">No run summaries under {escape(data.root)}/runs.</p>'
        if health:
            health_body += _health_table(health)
    else:
        health_body = _health_table(health) if health else '<p class="empty">No source in any run.</p>'
    unreadable = [f"{name}: {why}" for name, why in runs.unreadable]
    health_section = _section(
        "Source health",
        health_body,
        "From the finished runs' summaries (DIR/runs/*.json); a run that did not ask a source anything "
        "leaves its row unchanged. Records are counted from the dataset.",
        *(f"Could not read the run summary {u}" for u in unreadable),
        cls="health",
    )
    runs_section = _section("Recent runs", _runs_table(data)) if runs.summaries else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>newsbot report — {escape(data.root)}</title><style>{CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head><body>'
        f"<header><h1>newsbot report</h1><p>{escape(data.root)} · "
        f"{_last_run(data)} · generated {_t(data.generated_at, seconds=True)} · "
        f"newsbot {escape(__version__)}</p></header><main>"
        f"{_cards(data)}{health_section}<div class=grid>{''.join(sections)}</div>{runs_section}"
        f"</main>{figures.script()}</body></html>\n"
    )
