"""Scrapy settings for newsbot.

Polite by default: robots.txt obeyed, AutoThrottle on, two requests at a time per site, an
honest User-Agent. Every value here can be overridden with ``-s NAME=VALUE`` and keeps its
standard Scrapy meaning.
"""

from __future__ import annotations

from newsbot import __version__

BOT_NAME = "newsbot"
SPIDER_MODULES = ["newsbot.spiders"]
NEWSPIDER_MODULE = "newsbot.spiders"

# --- politeness -------------------------------------------------------------------------------
# Set NEWSBOT_CONTACT (a URL or e-mail address) so site owners can reach you; it is added to the
# User-Agent.
NEWSBOT_CONTACT = None
USER_AGENT = f"newsbot/{__version__} (+https://github.com/newsbot-project/newsbot)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Each response yields one item (or a batch of requests): Scrapy starts this many tasks per
# response, and its default of 100 costs more than the work itself.
CONCURRENT_ITEMS = 16
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# --- robustness -------------------------------------------------------------------------------
# News pages are 50 KB to 2 MB; 10 MB is far beyond any article and stops runaway downloads
# (decompressed size is capped too, which defuses compression bombs).
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 3 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 15
RETRY_ENABLED = True
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5

# --- pipeline ---------------------------------------------------------------------------------
ITEM_PIPELINES = {
    "newsbot.pipelines.extract.ExtractPipeline": 100,
    "newsbot.pipelines.finalize.FinalizePipeline": 350,
    "newsbot.pipelines.store.ParquetStorePipeline": 900,
}
EXTENSIONS = {
    "newsbot.pipelines.rejects.RejectsWriter": 100,
}

FEED_EXPORTERS = {"parquet": "newsbot.storage.exporter.ParquetItemExporter"}
FEED_EXPORT_ENCODING = "utf-8"

# --- newsbot ----------------------------------------------------------------------------------
NEWSBOT_OUTPUT_DIR = "output"
NEWSBOT_SOURCES_FILE = None  # default: settings/sources.toml next to scrapy.cfg
NEWSBOT_LANGUAGES = []  # keep only these ISO 639-1 codes (empty: all)
NEWSBOT_BATCH_SIZE = 500
NEWSBOT_FLUSH_INTERVAL = 30.0
NEWSBOT_SITEMAP_MAX_DEPTH = 3
NEWSBOT_REDIS_URL = None
NEWSBOT_GDELT_API_URL = "https://api.gdeltproject.org/api/v2/doc/doc"
NEWSBOT_RELIEFWEB_API_URL = "https://api.reliefweb.int/v2/reports"

LOG_LEVEL = "INFO"
