"""Scrapy settings for newsbot.

Polite by default: robots.txt obeyed, AutoThrottle on, two requests at a time per site, an
honest User-Agent. Every value here can be overridden with ``-s NAME=VALUE`` and keeps its
standard Scrapy meaning.
"""

from __future__ import annotations

from newsbot import __version__
from newsbot.storage.schema import ARTICLE_COLUMNS

BOT_NAME = "newsbot"
SPIDER_MODULES = ["newsbot.spiders"]
NEWSPIDER_MODULE = "newsbot.spiders"
# `scrapy crawl` with the checks `newsbot crawl` makes before the engine starts (newsbot.commands.crawl)
COMMANDS_MODULE = "newsbot.commands"

# --- politeness -------------------------------------------------------------------------------
# Set NEWSBOT_CONTACT (a URL or e-mail address) so site owners can reach you; it is added to the
# User-Agent.
NEWSBOT_CONTACT = None
USER_AGENT = f"newsbot/{__version__} (+https://github.com/newsbot-project/newsbot)"
ROBOTSTXT_OBEY = True
# Protego on the first 500 KiB of a robots.txt, as Google reads it (newsbot/discovery/robots.py).
ROBOTSTXT_PARSER = "newsbot.discovery.robots.BoundedProtegoRobotParser"
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
# Scrapy 2.19's remote-control extension runs Python code sent over HTTP; a long-running crawler
# has no use for it.
REMOTE_CONTROL_ENABLED = False

# --- robustness -------------------------------------------------------------------------------
# News pages are 50 KB to 2 MB; 10 MB is far beyond any article and stops runaway downloads
# (decompressed size is capped too, which defuses compression bombs).
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 3 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 15
RETRY_ENABLED = True
RETRY_TIMES = 2
# The host's one line (newsbot.middlewares.failures) or the page's reject says it already.
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"
REDIRECT_MAX_TIMES = 5

# --- pipeline ---------------------------------------------------------------------------------
ITEM_PIPELINES = {
    # one worker call per page runs the stages of NEWSBOT_PAGE_STAGES; learns templates
    "newsbot.pipelines.page.PagePipeline": 100,
    # what the main process decides from the page's result: quality, language and relevance filters
    "newsbot.pipelines.clean.QualityPipeline": 230,
    "newsbot.pipelines.enrich.LanguagePipeline": 300,
    "newsbot.pipelines.enrich.RelevancePipeline": 310,
    # body, counts, hash, run id
    "newsbot.pipelines.finalize.FinalizePipeline": 350,
    # identify: canonical URL, id, already stored, near-duplicates
    "newsbot.pipelines.identify.IdentityPipeline": 400,
    "newsbot.pipelines.identify.NearDuplicatePipeline": 410,
    # store
    "newsbot.pipelines.store.ParquetStorePipeline": 900,
}
# The pure work on each page, in order, in one worker call (newsbot/process/): a stage is one
# function and one entry here (add your own in NEWSBOT_PAGE_STAGES; None removes one).
NEWSBOT_PAGE_STAGES_BASE = {
    "newsbot.process.stages.extract": 100,
    "newsbot.process.stages.duplicates": 200,
    "newsbot.process.stages.rules": 210,
    "newsbot.process.stages.templates": 220,
    "newsbot.process.stages.quality": 230,
    "newsbot.process.stages.language": 300,
    "newsbot.process.stages.relevance": 310,
    "newsbot.process.stages.body": 350,
    "newsbot.process.stages.shingles": 410,
}
NEWSBOT_PAGE_STAGES: dict[str, int | None] = {}  # your stages, merged over the _BASE list
NEWSBOT_CLEAN_DUPLICATES = True  # remove repeated paragraphs, the headline in the body, pull quotes
NEWSBOT_CLEAN_RULES = True  # apply the boilerplate rule files
NEWSBOT_CLEANING_RULES = None  # rule files or directories (default: settings/cleaning)
NEWSBOT_CLEAN_TEMPLATES = True  # learn and strip lines a source repeats across its articles
NEWSBOT_TEMPLATE_MIN_DOCS = 3  # documents a line must occur in to be template
NEWSBOT_TEMPLATE_MIN_SHARE = 0.2  # share of the source's documents since the line was first seen
NEWSBOT_TEMPLATE_MAX_LINES = 1000  # line hashes kept per source (most recently seen)
NEWSBOT_TEMPLATE_MAX_SOURCES = 5000  # sources kept (most recently active)
NEWSBOT_TEMPLATE_WARMUP_DOCS = 8  # a new source's first articles wait for this much evidence
NEWSBOT_TEMPLATE_WARMUP_TIMEOUT = 5.0  # seconds a held article waits at most
NEWSBOT_TEMPLATE_PERSIST = True  # keep learned templates in DIR/state/templates.json
# Shared components, chosen like SCHEDULER / DUPEFILTER_CLASS (newsbot/extensions/components.py):
NEWSBOT_TEMPLATE_STORE_CLASS = "newsbot.pipelines.templates.TemplateStore"  # learns the templates
NEWSBOT_WORKER_POOL_CLASS = "newsbot.process.pool.ProcessPoolRunner"  # runs the pages' worker calls
NEWSBOT_SEEN_STORE_CLASS = "newsbot.identify.seen.SeenStore"  # the URLs already stored
NEWSBOT_NEARDUP_INDEX_CLASS = "newsbot.pipelines.identify.FileIndex"  # near-duplicate signatures
NEWSBOT_WARC_WRITER_CLASS = "newsbot.archive.recorder.CrawlWarcWriter"  # the raw pages' WARC files
NEWSBOT_CLEAN_QUALITY = True  # drop what is not an article (reject code in DIR/rejects/)
NEWSBOT_MIN_WORDS = 50  # fewer words after cleaning: rejected as too_short
NEWSBOT_MIN_WORDS_ARTICLE = 25  # the same for a page whose markup declares an article
NEWSBOT_LANGUAGE_ENABLED = True  # detect the language of each record
NEWSBOT_RELEVANCE_ENABLED = True  # score relevance to armed conflict
NEWSBOT_RELEVANCE_LEXICON = None  # lexicon directory (default: settings/relevance)
NEWSBOT_MIN_CONFLICT_SCORE = 0.0  # records scored below are dropped (0: keep all)
NEWSBOT_NEARDUP_ENABLED = True  # link near-duplicate copies through duplicate_of
DOWNLOADER_MIDDLEWARES = {
    # After HttpCompressionMiddleware (590) on the way back, so it sees the decoded body.
    "newsbot.discovery.conditional.ConditionalListingMiddleware": 580,
    # Requests RedirectMiddleware (600) creates start again from the lowest priority: stop one
    # whose target is an article already stored before it is fetched.
    "newsbot.identify.redirects.SeenRedirectMiddleware": 50,
    # before robots.txt (100): a blocked host does not even get its robots.txt fetched
    "newsbot.middlewares.addresses.PrivateAddressMiddleware": 40,
    "newsbot.middlewares.sourcestats.SourceStatsMiddleware": 860,
    # sees a 3xx before RedirectMiddleware (600) follows it into the duplicate filter
    "newsbot.middlewares.redirectloop.RedirectLoopMiddleware": 610,
    # Scrapy's own decodes every page in the main process to read its first 4,096 characters
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "newsbot.middlewares.metarefresh.HeadMetaRefreshMiddleware": 580,
    # keeps raw responses (NEWSBOT_WARC_ENABLED): after HttpCompressionMiddleware (590) on the way
    # back, so it stores the decoded body, and before the 580s turn a response into something else
    "newsbot.archive.recorder.WarcRecorderMiddleware": 585,
    # Scrapy's, with a failed robots.txt fetch a DEBUG line, not an ERROR with a traceback
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newsbot.discovery.robots.RobotsTxtMiddleware": 100,
    # below RetryMiddleware (550): a failing host's first failure, once its retries are spent
    "newsbot.middlewares.failures.HostFailureLog": 500,
    # last before the downloader: once the crawl is stopping, no request is sent
    "newsbot.middlewares.stopping.StopFetching": 1000,
}
DOWNLOAD_HANDLERS = {
    # idle keep-alive connections closed after NEWSBOT_IDLE_CONNECTION_TIMEOUT, not Twisted's 240 s
    "http": "newsbot.middlewares.connections.IdleLimitedHTTP11DownloadHandler",
    "https": "newsbot.middlewares.connections.IdleLimitedHTTP11DownloadHandler",
    # A news crawler fetches web pages only: URLs written by third parties (feeds, sitemaps,
    # redirects) must not read local files, open FTP connections or reach a cloud bucket.
    "file": None,
    "ftp": None,
    "data": None,
    "s3": None,
}
EXTENSIONS = {
    # holds the shared components above; before everything that uses them
    "newsbot.extensions.components.CrawlComponents": 0,
    "newsbot.pipelines.rejects.RejectsWriter": 100,
    # before everything else: a bad setting or a busy output dir stops the run before it starts
    "newsbot.extensions.settingscheck.SettingsCheck": 1,
    "newsbot.extensions.outputlock.OutputLockExtension": 2,
    "newsbot.extensions.summary.RunSummary": 200,
    "newsbot.extensions.progress.TerminalProgress": 300,
    # start line and progress lines (pages/s, stored, rejected, queue, failing sources): they
    # replace Scrapy's "Crawled N pages (at N pages/min)" line
    "scrapy.extensions.logstats.LogStats": None,
    "newsbot.extensions.progresslog.ProgressLog": 300,
    "newsbot.extensions.reactorlag.ReactorLag": 400,
    # last: freezes what every component above loaded when the spider opens
    "newsbot.extensions.gcfreeze.FreezeStartupObjects": 1000,
}

FEED_EXPORTERS = {"parquet": "newsbot.storage.exporter.ParquetItemExporter"}
# -o/-O exports carry the dataset's columns, not the pipeline's working fields (html, hints,
# paragraphs, ...); set FEED_EXPORT_FIELDS to choose others.
FEED_EXPORT_FIELDS = list(ARTICLE_COLUMNS)
FEED_EXPORT_ENCODING = "utf-8"

# --- newsbot ----------------------------------------------------------------------------------
NEWSBOT_OUTPUT_DIR = "output"  # or s3://bucket/prefix, gs://..., any pyarrow/fsspec URI
# S3-compatible endpoint (MinIO, Ceph, a test server); None: AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL
# from the environment, else AWS. Credentials and region: the standard AWS variables and files.
NEWSBOT_S3_ENDPOINT_URL = None
NEWSBOT_SOURCES_FILE = None  # default: settings/sources.toml next to scrapy.cfg
NEWSBOT_LANGUAGES = []  # keep only these ISO 639-1 codes (empty: all)
NEWSBOT_BATCH_SIZE = 500  # records per dataset write
NEWSBOT_FLUSH_INTERVAL = 30.0  # seconds between writes at most (a killed run loses this much)
NEWSBOT_SITEMAP_MAX_DEPTH = 3  # sitemap indexes followed this deep
NEWSBOT_RUN_ID = None  # the run's id (None: time then random, chosen when the crawl starts)
NEWSBOT_STORE_ENABLED = True  # write records to DIR/articles/
# Keep every article and listing response in gzip-per-record WARC files under DIR/warc/ (records
# then name theirs in warc_file, warc_offset); a file is published when it reaches this many bytes.
NEWSBOT_WARC_ENABLED = False
NEWSBOT_WARC_MAX_SIZE = 1_000_000_000  # bytes: a WARC file this big is published, the next one begun
NEWSBOT_REJECTS_ENABLED = True  # write dropped pages to DIR/rejects/
NEWSBOT_CONDITIONAL_GET = True  # poll feeds and sitemaps with If-None-Match / If-Modified-Since
NEWSBOT_IDLE_CONNECTION_TIMEOUT = 20.0  # seconds an idle keep-alive connection stays open
# Worker processes (newsbot/process/pool.py): None or "auto": one per core; 0: inline, in the reactor thread.
NEWSBOT_WORKERS = None
NEWSBOT_WORKER_TIMEOUT = 60.0  # seconds one page's worker call may take
NEWSBOT_WORKER_MAX_PENDING = 0  # calls in flight at most (0: 8 per worker)
NEWSBOT_IDENTIFY_ENABLED = True  # canonical URL and id; drop articles already stored
NEWSBOT_SEEN_ENABLED = True  # remember stored URLs (skipped before they are fetched)
NEWSBOT_REFETCH_AFTER_DAYS = 0.0  # fetch a stored article again after this many days (0: never)
NEWSBOT_NEARDUP_THRESHOLD = 0.35  # estimated Jaccard similarity of a near-duplicate
NEWSBOT_NEARDUP_SAVE_EVERY = 1000  # records between saves of DIR/state/neardup.npz
NEWSBOT_GC_FREEZE = True  # move start-up objects out of the garbage collector's way
NEWSBOT_REACTOR_LAG_ENABLED = True  # measure reactor stalls (stat newsbot/reactor/max_lag_ms)
# Fan-out caps of listings (each listing URL is fetched at most once a run anyway); 0: no cap.
NEWSBOT_MAX_SITEMAPS_PER_ROBOTS = 100  # Sitemap: lines followed in one robots.txt
NEWSBOT_MAX_SITEMAP_CHILDREN = 1000  # child sitemaps followed in one sitemap index
NEWSBOT_MAX_LISTINGS_PER_SOURCE = 2000  # feeds, sitemaps and robots.txt fetched for one source a run
# Listed articles beyond this many scheduled requests wait in a compact backlog and are scheduled
# as the queue drains (newsbot/discovery/backlog.py); 0: schedule everything at once. Far more
# than the downloader takes at once (CONCURRENT_REQUESTS), so that it never waits for the backlog.
NEWSBOT_MAX_SCHEDULED = 1000
NEWSBOT_REDIS_URL = None  # redis://... : share frontier and state with other processes
# Scale-out on Redis (docs/scale-out.md); inert while NEWSBOT_REDIS_URL is unset.
ADDONS = {"newsbot.config.run.RunIdAddon": 0, "newsbot.scaleout.addon.RedisScaleOut": 0}
NEWSBOT_REDIS_PREFIX = "newsbot"  # prefix of every Redis key of the cluster
NEWSBOT_REDIS_FINGERPRINT_TTL = 7.0  # days a fetched URL is not fetched again (0: never again)
NEWSBOT_REDIS_LISTING_CLAIM = 300.0  # seconds one process owns a feed/sitemap poll
NEWSBOT_REDIS_DOMAIN_DELAY = None  # cluster-wide seconds between requests to a host (None: DOWNLOAD_DELAY)
NEWSBOT_REDIS_BUCKET_BITS = 16  # seen-URL and fingerprint buckets: 2**bits Redis hashes
NEWSBOT_REDIS_HEARTBEAT = 1.0  # seconds between a process's liveness beats
NEWSBOT_REDIS_IDLE_CLOSE = 3.0  # seconds every process must be idle before the cluster closes
NEWSBOT_REDIS_NEARDUP = True  # share near-duplicate signatures in Redis
# CC-NEWS (newsbot backfill --ccnews): crawl-data/CC-NEWS/YYYY/MM/warc.paths.gz and the WARC files
# it lists are found below this URL; a mirror or a local server can stand in for Common Crawl.
NEWSBOT_CCNEWS_BASE_URL = "https://data.commoncrawl.org/"
# Backfill with NEWSBOT_REDIS_URL: seconds a process's claim on a WARC file lasts unless renewed
# (every third of it); a dead process's files are taken over by another after this long.
NEWSBOT_WARC_CLAIM_LEASE = 120.0
NEWSBOT_GDELT_API_URL = "https://api.gdeltproject.org/api/v2/doc/doc"  # GDELT DOC 2.0 API endpoint
NEWSBOT_RELIEFWEB_API_URL = "https://api.reliefweb.int/v2/reports"  # ReliefWeb reports endpoint
# API spiders (docs/apis.md): seconds between calls (GDELT asks for one call every 5 s), retries
# of a 429/5xx answer (Retry-After honoured, else exponential backoff up to the max), and the
# ReliefWeb appname the API requires (or -a appname=...).
NEWSBOT_GDELT_API_DELAY = 5.0
NEWSBOT_GDELT_MAX_SPLIT_DEPTH = 4  # halvings of a time slice whose answer is full
NEWSBOT_RELIEFWEB_API_DELAY = 1.0  # seconds between ReliefWeb calls
NEWSBOT_RELIEFWEB_APPNAME = None  # the appname ReliefWeb requires (or -a appname=...)
NEWSBOT_API_RETRY_TIMES = 4  # retries of a 429/5xx API answer
NEWSBOT_API_BACKOFF_MAX = 300.0  # seconds of backoff at most between API retries

# Operations (docs/operations.md): one run per output dir, run summary, private-address guard.
NEWSBOT_LOCK_ENABLED = True
# Where the run lock (DIR/.lock, an flock) lives; None: the output directory. An object-store
# output has no file locks: give a local directory (the lock then guards this machine's runs only).
NEWSBOT_LOCK_DIR = None
NEWSBOT_SUMMARY_ENABLED = True  # write DIR/runs/<run_id>.json
NEWSBOT_SUMMARY_INTERVAL = 60.0  # seconds between updates of the run summary
NEWSBOT_PROGRESS = False  # the live display on the terminal (newsbot crawl: on when stderr is one)
NEWSBOT_PROGRESS_INTERVAL = 60.0  # seconds between progress lines in the log (0: none)
NEWSBOT_BLOCK_PRIVATE_ADDRESSES = True  # refuse hosts that resolve to private addresses
NEWSBOT_ALLOWED_PRIVATE_HOSTS = []  # hosts exempt from that (e.g. an intranet mirror)

LOG_LEVEL = "INFO"
# one line per reject (newsbot's), not Scrapy's "Dropped:" line with the whole item
LOG_FORMATTER = "newsbot.logformatter.NewsbotLogFormatter"
