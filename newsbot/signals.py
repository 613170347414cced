"""newsbot's own Scrapy signals."""

from __future__ import annotations

#: Sent when a page is given up before it becomes an item (HTTP error, non-HTML body, too big,
#: network failure). Arguments: ``url``, ``source``, ``reason``, ``detail``, ``http_status``,
#: ``discovery``, ``discovered_from``, ``discovered_url``.
page_rejected = object()

#: Sent once when the crawl is asked to stop (a first SIGINT/SIGTERM, :mod:`newsbot.cli.shutdown`),
#: before the engine closes the spider: no request may start from now on
#: (:class:`newsbot.middlewares.stopping.StopFetching`). Argument: ``signame``.
stop_requested = object()

#: Sent when the crawl must stop at once (a second signal), just before the reactor stops: the
#: engine will not close the spider, so whoever holds extracted rows writes them now and the run
#: summary is written last (it connects when the spider opens, after every pipeline). Argument:
#: ``signame``.
stop_now = object()

#: Sent when a write to the dataset failed (a full disk, a read-only mount): the run stops with
#: ``newsbot.cli.exitcodes.WRITE_FAILED``. Arguments: ``path``, ``error``.
write_failed = object()

#: Sent when dataset rows are on disk (the file holding them is in place), not when they are
#: buffered: a store that remembers what is stored (the cluster's seen-URL memory) marks them
#: now, so rows a failed write left out stay unseen. Argument: ``rows`` (article row dicts).
records_stored = object()

#: Sent to have every buffered row written now (the article and reject stores flush): the WARC
#: backfill sends it when a file's last item has left the pipelines, before recording the file
#: as finished (:mod:`newsbot.archive.progress`). No arguments.
flush_requested = object()
