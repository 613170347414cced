"""Tables for the terminal (rich) and for everything else (plain aligned text, no colour codes)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any


@dataclass
class TableData:
    title: str
    columns: Sequence[str]
    rows: list[Sequence[Any]] = field(default_factory=list)
    #: columns (by index) aligned right: numbers
    numeric: frozenset[int] = frozenset()


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1%}" if 0 <= value <= 1 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _line(values: Sequence[str], widths: Sequence[int], numeric: frozenset[int]) -> str:
    parts = [
        v.rjust(w) if i in numeric else v.ljust(w)
        for i, (v, w) in enumerate(zip(values, widths, strict=True))
    ]
    return "  ".join(parts).rstrip()


def render_plain(tables: Sequence[TableData], out: IO[str]) -> None:
    for t in tables:
        cells = [[_cell(v) for v in row] for row in t.rows]
        widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(t.columns)]
        out.write(f"{t.title}\n{_line(list(t.columns), widths, t.numeric)}\n")
        for row in cells:
            out.write(_line(row, widths, t.numeric) + "\n")
        out.write("\n")


def render_rich(tables: Sequence[TableData], out: IO[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out)
    for t in tables:
        table = Table(title=t.title, title_justify="left", title_style="bold")
        for i, col in enumerate(t.columns):
            table.add_column(col, justify="right" if i in t.numeric else "left")
        for row in t.rows:
            table.add_row(*(_cell(v) for v in row))
        console.print(table)


def render(tables: Sequence[TableData], out: IO[str] | None = None) -> None:
    """Rich tables when ``out`` is a terminal, plain text otherwise (cron mail, pipes, files)."""
    out = out or sys.stdout
    if out.isatty():
        render_rich(tables, out)
    else:
        render_plain(tables, out)
