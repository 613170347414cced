"""newsbot's own Scrapy signals."""

from __future__ import annotations

#: Sent when a page is given up before it becomes an item (HTTP error, non-HTML body, too big,
#: network failure). Arguments: ``url``, ``source``, ``reason``, ``detail``, ``http_status``,
#: ``discovery``, ``discovered_from``, ``discovered_url``.
page_rejected = object()
