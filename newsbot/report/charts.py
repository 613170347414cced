"""The report's charts: plotly figures built from the aggregates of :mod:`newsbot.report.data`.

Each function returns a figure, or ``None`` when there is nothing to draw (the page then says so
in words). Figures carry only counts, so their size does not grow with the corpus.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import plotly.graph_objects as go

from newsbot.report.data import SCORE_BIN, TOP_LANGUAGES, TOP_SOURCES, Articles, Rejects

#: Conflict coverage and other news are separated at this score (DESIGN.md, "Dataset").
RELEVANCE_THRESHOLD = 0.5
OTHER = "other"
#: Bars on a date axis are this wide (milliseconds): plotly would make the only bar of a
#: one-day chart one millisecond wide, that is invisible.
DAY_BAR = 0.8 * 86_400_000
LAYOUT = dict(
    template="plotly_white",
    margin=dict(l=50, r=20, t=40, b=40),
    height=360,
    legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
    font=dict(size=12),
)


def _date_axis(window: tuple[date, date]) -> dict[str, object]:
    """Whole days on the axis, and at least a week of it, so that one day is not one huge bar."""
    start, end = window
    start = min(start, end - timedelta(days=6))
    axis: dict[str, object] = dict(
        type="date", tickformat="%b %d", range=[f"{start - timedelta(days=1)}T12:00", f"{end}T12:00"]
    )
    if (end - start).days <= 14:
        axis["dtick"] = 86_400_000  # one tick a day (milliseconds)
    return axis


def _days(window: tuple[date, date]) -> list[date]:
    start, end = window
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _top(counts: dict[str, int], n: int) -> list[str]:
    """The ``n`` largest keys; with more keys than that, the last place goes to :data:`OTHER`."""
    ranked = sorted(counts, key=lambda k: (-counts[k], k))
    return ranked if len(ranked) <= n else ranked[: n - 1]


def _stacked_by_day(
    rows: list[tuple[date, str, int]], window: tuple[date, date], top: int
) -> tuple[list[date], dict[str, list[int]]]:
    """Per key, a count for every day of the window (zeros included, so stacks line up)."""
    totals: dict[str, int] = defaultdict(int)
    for _, key, n in rows:
        totals[key] += n
    keep = set(_top(totals, top))
    days = _days(window)
    index = {d: i for i, d in enumerate(days)}
    series: dict[str, list[int]] = {}
    for day, key, n in rows:
        name = key if key in keep else OTHER
        series.setdefault(name, [0] * len(days))[index[day]] += n
    order = sorted(series, key=lambda k: (k == OTHER, -sum(series[k]), k))
    return days, {k: series[k] for k in order}


def records_per_day(articles: Articles) -> go.Figure | None:
    """Stacked bars per source; a menu switches between day of publication and day of fetch."""
    views = []
    if articles.published_window and articles.per_published_day:
        views.append(("published", articles.per_published_day, articles.published_window))
    if articles.fetched_window and articles.per_fetched_day:
        views.append(("fetched", articles.per_fetched_day, articles.fetched_window))
    if not views:
        return None
    fig = go.Figure()
    spans: list[tuple[int, int]] = []
    axes: list[dict[str, object]] = []
    for i, (_, rows, window) in enumerate(views):
        days, series = _stacked_by_day(rows, window, TOP_SOURCES)
        first = len(fig.data)
        for source, counts in series.items():
            fig.add_bar(
                x=days,
                y=counts,
                name=source,
                legendgroup=source,
                visible=i == 0,
                width=DAY_BAR,
                hovertemplate=f"{source}<br>%{{x|%Y-%m-%d}}: %{{y}} records<extra></extra>",
            )
        spans.append((first, len(fig.data)))
        axes.append(_date_axis(window))
    buttons = [
        dict(
            label=f"by day {label}",
            method="update",
            args=[{"visible": [lo <= j < hi for j in range(len(fig.data))]}, {"xaxis": axis}],
        )
        for (label, _, _), (lo, hi), axis in zip(views, spans, axes, strict=True)
    ]
    fig.update_layout(
        **LAYOUT,
        barmode="stack",
        xaxis=axes[0],
        yaxis=dict(title="records"),
        updatemenus=[dict(buttons=buttons, x=1.0, xanchor="right", y=1.15, yanchor="top")]
        if len(buttons) > 1
        else [],
    )
    return fig


def languages(articles: Articles) -> go.Figure | None:
    if not articles.languages:
        return None
    counts = dict(articles.languages)
    keep = _top(counts, TOP_LANGUAGES)
    rows = [(k, counts[k]) for k in keep]
    rest = sum(counts.values()) - sum(n for _, n in rows)
    if rest:
        rows.append((OTHER, rest))
    rows.reverse()  # largest at the top of a horizontal bar chart
    total = sum(counts.values())
    fig = go.Figure(
        go.Bar(
            x=[n for _, n in rows],
            y=[k for k, _ in rows],
            orientation="h",
            text=[f"{n / total:.0%}" for _, n in rows],
            textposition="auto",
            hovertemplate="%{y}: %{x} records<extra></extra>",
            marker_color="#4c78a8",
        )
    )
    fig.update_layout(**LAYOUT, xaxis=dict(title="records"), yaxis=dict(type="category"))
    fig.update_layout(height=max(220, 60 + 26 * len(rows)))
    return fig


def conflict_scores(articles: Articles) -> go.Figure | None:
    if not articles.score_bins:
        return None
    edges = [b for b, _ in articles.score_bins]
    fig = go.Figure(
        go.Bar(
            x=[b + SCORE_BIN / 2 for b in edges],
            y=[n for _, n in articles.score_bins],
            width=SCORE_BIN * 0.95,
            marker_color=["#e45756" if b >= RELEVANCE_THRESHOLD else "#9d9d9d" for b in edges],
            customdata=[[b, b + SCORE_BIN] for b in edges],
            hovertemplate="score %{customdata[0]:.2f}–%{customdata[1]:.2f}: %{y} records<extra></extra>",
        )
    )
    fig.add_vline(x=RELEVANCE_THRESHOLD, line_dash="dash", line_color="#333")
    fig.add_annotation(
        x=RELEVANCE_THRESHOLD, y=1, yref="paper", text="conflict coverage →", showarrow=False, xanchor="left"
    )
    fig.update_layout(
        **LAYOUT,
        xaxis=dict(title="conflict score", range=[0, 1], dtick=0.1),
        yaxis=dict(title="records"),
        showlegend=False,
    )
    return fig


def near_duplicates(articles: Articles) -> go.Figure | None:
    """Per source, first copies and near-duplicates (``duplicate_of`` set), stacked."""
    if not articles.per_source:
        return None
    rows = sorted(articles.per_source.items(), key=lambda kv: (kv[1][0], kv[0]))[-TOP_SOURCES * 2 :]
    names = [s for s, _ in rows]
    dups = [v[1] for _, v in rows]
    firsts = [v[0] - v[1] for _, v in rows]
    share = [d / (f + d) if f + d else 0.0 for f, d in zip(firsts, dups, strict=True)]
    fig = go.Figure()
    fig.add_bar(
        x=firsts, y=names, orientation="h", name="first copy", marker_color="#4c78a8",
        hovertemplate="%{y}: %{x} first copies<extra></extra>",
    )  # fmt: skip
    fig.add_bar(
        x=dups, y=names, orientation="h", name="near-duplicate", marker_color="#f58518",
        customdata=share, hovertemplate="%{y}: %{x} near-duplicates (%{customdata:.1%})<extra></extra>",
    )  # fmt: skip
    fig.update_layout(**LAYOUT, barmode="stack", xaxis=dict(title="records"), yaxis=dict(type="category"))
    fig.update_layout(height=max(220, 80 + 26 * len(names)))
    return fig


def rejects_per_day(rejects: Rejects) -> go.Figure | None:
    if not (rejects.window and rejects.per_day):
        return None
    days, series = _stacked_by_day(rejects.per_day, rejects.window, TOP_SOURCES)
    fig = go.Figure()
    for reason, counts in series.items():
        fig.add_bar(
            x=days, y=counts, name=reason, width=DAY_BAR,
            hovertemplate=f"{reason}<br>%{{x|%Y-%m-%d}}: %{{y}} pages<extra></extra>",
        )  # fmt: skip
    fig.update_layout(
        **LAYOUT, barmode="stack", xaxis=_date_axis(rejects.window), yaxis=dict(title="rejected pages")
    )
    return fig
