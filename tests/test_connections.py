"""Idle keep-alive connections are closed after NEWSBOT_IDLE_CONNECTION_TIMEOUT."""

from __future__ import annotations

import subprocess
import sys

# In a subprocess: building the handler imports a Twisted reactor, which must not leak into the
# test process (other tests install the asyncio reactor in theirs).
CODE = """
from scrapy.utils.reactor import install_reactor
install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy.utils.test import get_crawler
from newsbot import settings
crawler = get_crawler(settings_dict={
    "DOWNLOAD_HANDLERS": settings.DOWNLOAD_HANDLERS, "NEWSBOT_IDLE_CONNECTION_TIMEOUT": 7,
    "TWISTED_REACTOR_ENABLED": True, "CONCURRENT_REQUESTS_PER_DOMAIN": 5,
})
for scheme in ("http", "https"):
    pool = build_from_crawler(load_object(settings.DOWNLOAD_HANDLERS[scheme]), crawler)._pool
    print(scheme, pool.cachedConnectionTimeout, pool.maxPersistentPerHost)
"""


def test_project_handler_closes_idle_connections_after_the_setting() -> None:
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["http 7.0 5", "https 7.0 5"]  # 5: CONCURRENT_REQUESTS_PER_DOMAIN
