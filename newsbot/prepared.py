"""Stage results computed ahead of time in a worker, waiting for the pipeline that owns them.

Every call into the worker pool costs the main process a round trip: pickling the input, waking
the pool's feeder thread, unpickling the answer, resuming a coroutine. Six stages each making
their own call cost the parent more than Scrapy's own work on a page. So two calls per page do
the pure work of several stages at once (:mod:`newsbot.worker_jobs`, started by
:mod:`newsbot.pipelines.extract` and :mod:`newsbot.pipelines.analysis`), and *offer* each
stage's result on the item, tagged with the exact input it was computed from. The pipeline that
owns the stage *takes* it only if that input equals what it would have passed itself, so a
pipeline inserted in between, a stage switched off, or a different order can only cost a second
computation, never a wrong result.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.settings import BaseSettings
from scrapy.utils.conf import build_component_list
from scrapy.utils.misc import load_object

FIELD = "prepared"
_MISSING = object()


def offer(a: ItemAdapter, stage: str, inputs: Any, result: Any) -> None:
    """Leave ``result`` for ``stage``, computed from ``inputs``."""
    prepared = a.get(FIELD)
    if prepared is None:
        prepared = {}
        a[FIELD] = prepared
    prepared[stage] = (inputs, result)


def take(a: ItemAdapter, stage: str, inputs: Any) -> Any:
    """The result offered for ``stage`` if it was computed from ``inputs``, else :data:`MISSING`."""
    prepared = a.get(FIELD)
    if not prepared:
        return MISSING
    entry = prepared.pop(stage, None)
    if entry is None or entry[0] != inputs:
        return MISSING
    return entry[1]


def offered(a: ItemAdapter, stage: str, inputs: Any) -> bool:
    """Whether a result is offered for ``stage`` from ``inputs``; unlike :func:`take`, the offer
    stays (for a mark that several readers check, such as the finalized body)."""
    entry = (a.get(FIELD) or {}).get(stage)
    return entry is not None and entry[0] == inputs


MISSING: Any = _MISSING


def pipeline_enabled(settings: BaseSettings, path: str, flag: str | None = None) -> bool:
    """Whether the crawl runs the pipeline ``path`` (listed in ``ITEM_PIPELINES``, ``flag`` on):
    results are only prepared for stages that will take them."""
    if flag is not None and not settings.getbool(flag, True):
        return False
    wanted = load_object(path)
    listed = build_component_list(settings.getwithbase("ITEM_PIPELINES"))
    return any((load_object(c) if isinstance(c, str) else c) is wanted for c in listed)
