"""Item → dataset row: only schema columns, typed, and with clean text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from itemadapter import ItemAdapter

from newsbot.storage.schema import ARTICLE_SCHEMA, REJECT_SCHEMA, TS
from newsbot.storage.text import clean_text


def _ts(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def _strings(values: Any) -> list[str]:
    if not values:
        return []
    out = []
    for v in values:
        c = clean_text(v)
        if c:
            out.append(c)
    return out


def article_row(item: Any) -> dict[str, Any]:
    """The dataset row of an item, with every schema column present."""
    a = ItemAdapter(item)
    # The body the page's body stage cleaned, hashed and counted is kept as it is (cleaning it
    # again could change it: ``&amp;amp;`` unescaped twice).
    page = a.get("page")
    body_is_clean = page is not None and page.final_body is not None and page.final_body == a.get("body")
    row: dict[str, Any] = {}
    for f in ARTICLE_SCHEMA:
        value = a.get(f.name)
        if f.type == TS:
            value = _ts(value)
        elif f.type == ARTICLE_SCHEMA.field("authors").type:
            value = _strings(value)
        elif f.name == "body":
            value = (value or "") if body_is_clean else clean_text(value, multiline=True) or ""
        elif f.type == ARTICLE_SCHEMA.field("title").type and value is not None:
            value = clean_text(value)
        row[f.name] = value
    return row


def reject_row(**fields: Any) -> dict[str, Any]:
    row = {f.name: fields.get(f.name) for f in REJECT_SCHEMA}
    row["time"] = _ts(row["time"]) or datetime.now(UTC)
    for key in ("url", "source", "reason", "detail", "discovery", "discovered_from", "discovered_url"):
        if row[key] is not None:
            row[key] = clean_text(str(row[key]))
    row["url"] = row["url"] or ""
    row["reason"] = row["reason"] or "unknown"
    return row


def partition_by_fetch_date(row: dict[str, Any]) -> str:
    ts = row.get("fetched_at") or row.get("time") or datetime.now(UTC)
    return f"date={ts.astimezone(UTC):%Y-%m-%d}"
