"""Item → dataset row: only schema columns, typed.

Nothing here changes a value: URLs are stored exactly as fetched, listed or canonicalised, and text
exactly as the stage that extracted it cleaned it (:mod:`newsbot.storage.text`). Cleaning text again
here altered both (``?id=7&section=world`` became ``?id=7§ion=world``, a quoted ``&amp;`` became
``&``), and the seen-URL memory then no longer knew the fetched URL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from itemadapter import ItemAdapter

from newsbot.storage.schema import ARTICLE_SCHEMA, REJECT_SCHEMA, TS


def _ts(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def _strings(values: Any) -> list[str]:
    if not values:
        return []
    if isinstance(values, str):
        return [values]
    return [str(v) for v in values if v]


_LIST = ARTICLE_SCHEMA.field("authors").type


def article_row(item: Any) -> dict[str, Any]:
    """The dataset row of an item, with every schema column present."""
    a = ItemAdapter(item)
    row: dict[str, Any] = {}
    for f in ARTICLE_SCHEMA:
        value = a.get(f.name)
        if f.type == TS:
            value = _ts(value)
        elif f.type == _LIST:
            value = _strings(value)
        elif f.name == "body":
            value = value or ""
        row[f.name] = value
    return row


def reject_row(**fields: Any) -> dict[str, Any]:
    row = {f.name: fields.get(f.name) for f in REJECT_SCHEMA}
    row["time"] = _ts(row["time"]) or datetime.now(UTC)
    for key in ("url", "source", "reason", "detail", "discovery", "discovered_from", "discovered_url"):
        if row[key] is not None:
            row[key] = str(row[key])
    row["url"] = row["url"] or ""
    row["reason"] = row["reason"] or "unknown"
    return row


def partition_by_fetch_date(row: dict[str, Any]) -> str:
    ts = row.get("fetched_at") or row.get("time") or datetime.now(UTC)
    return f"date={ts.astimezone(UTC):%Y-%m-%d}"
