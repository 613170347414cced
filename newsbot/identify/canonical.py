"""Canonical article URLs and the ids derived from them.

One article reaches a crawler under many URLs: with campaign parameters from a feed, through the
mobile or AMP host, as an AMP page, with a fragment, with ``index.html`` spelled out. The dataset
holds one record per article, keyed by :func:`article_id` of :func:`canonicalize` of the best URL
the page offers (:func:`choose_canonical`).

Only variants that never change the resource are folded. Path case, trailing slashes and the
scheme are kept: some servers treat them as different pages, and a wrong merge loses an article
while a missed one only leaves a duplicate for the near-duplicate stage to flag.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import tldextract

#: Query parameters that only say how a reader arrived (ads, newsletters, social shares).
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid", "igshid",
        "igsh", "yclid", "_ga", "_gl", "_hsenc", "_hsmi", "ref", "ref_src", "ref_url", "referrer",
        "cmpid", "ocid", "icid", "ncid", "xtor", "ito", "smid", "smtyp", "sr_share", "s_cid",
        "mbid", "wt.mc_id", "wt_mc", "cmp", "__twitter_impression", "twclid", "ttclid", "li_fat_id",
        "spm", "from_rss", "outputtype", "amp",
    }
)  # fmt: skip
#: Prefixes of tracking parameter families: utm_source..., AT Internet's at_medium, at_campaign...
TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "hsa_", "oly_")
#: Host prefixes that serve the same articles as the bare host.
HOST_VARIANT_LABELS = frozenset({"www", "m", "mobile", "amp"})
DEFAULT_PORTS = {"http": 80, "https": 443}
INDEX_FILES = ("index.html", "index.htm", "index.php")

_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# RFC 3986 pchar minus "%" (escapes are normalised separately); "+" kept literal in queries.
_PATH_SAFE = "/!$&'()*+,;=:@%~"
_QUERY_SAFE = "/?!$'()*+,;:@%~"
_DIGIT = re.compile(r"\d")
_AMP_CACHE = re.compile(r"^/[cvi]/(s/)?([^/]+)(/.*)?$")

# The bundled public suffix list: never fetch it at run time (cron machines may be offline).
_tld = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)
# Built now rather than on the first URL: it is ~17,000 objects that live as long as the process,
# and a crawl takes what exists when the spider opens out of garbage collection (gcfreeze).
_tld("example.org")


def _normalise_escapes(text: str, safe: str) -> str:
    """Decode escaped unreserved characters, upper-case the other escapes, escape what needs it."""
    text = _STRAY_PERCENT.sub("%25", text)

    def fix(m: re.Match[str]) -> str:
        ch = chr(int(m.group(1), 16))
        return ch if ch in _UNRESERVED else "%" + m.group(1).upper()

    return quote(_ESCAPE.sub(fix, text), safe=safe)


@lru_cache(maxsize=65536)
def fold_host(host: str) -> str:
    """Lower-case host with ``www.``/``m.``/``mobile.``/``amp.`` labels removed.

    A label is removed only when it is a subdomain, so ``amp.dev`` or ``m.co`` stay as they are.
    """
    host = host.lower().rstrip(".")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            pass
    ext = _tld(host)
    if not ext.suffix or not ext.subdomain:
        return host
    labels = ext.subdomain.split(".")
    while labels and labels[0] in HOST_VARIANT_LABELS:
        labels.pop(0)
    return ".".join([*labels, ext.domain, ext.suffix]) if labels else f"{ext.domain}.{ext.suffix}"


@lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str:
    """eTLD+1 of a host (``news.bbc.co.uk`` → ``bbc.co.uk``); the host itself for IPs and intranets."""
    ext = _tld(host.lower().rstrip("."))
    return f"{ext.domain}.{ext.suffix}" if ext.suffix else ext.domain or host.lower()


def _is_tracking(name: str) -> bool:
    key = name.lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _canonical_query(query: str) -> str:
    pairs: list[tuple[str, str, str]] = []
    for part in query.split("&"):
        if not part:
            continue
        name, sep, value = part.partition("=")
        name = _normalise_escapes(name, _QUERY_SAFE)
        if _is_tracking(_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), name)):
            continue
        pairs.append((name, sep, _normalise_escapes(value, _QUERY_SAFE + "=")))
    pairs.sort()
    return "&".join(name + sep + value for name, sep, value in pairs)


def _canonical_path(path: str) -> str:
    path = _normalise_escapes(path or "/", _PATH_SAFE)
    segments = path.split("/")
    last = segments[-1]
    if last.lower().endswith(".amp.html"):
        segments[-1] = last[: -len(".amp.html")] + ".html"
    elif last.lower() in ("amp.html", *INDEX_FILES):
        segments[-1] = ""
    # An "amp" segment anywhere (/amp/world/story, /world/story/amp, /world/story/amp/) is the AMP view.
    kept = [s for i, s in enumerate(segments) if i == 0 or s.lower() != "amp"]
    path = "/".join(kept)
    return path if path.startswith("/") else "/" + path


def _unwrap_amp_cache(scheme: str, host: str, path: str) -> tuple[str, str, str]:
    """``https://www-x-com.cdn.ampproject.org/c/s/www.x.com/a`` → ``("https", "www.x.com", "/a")``."""
    m = _AMP_CACHE.match(path)
    if not m:
        return scheme, host, path
    return ("https" if m.group(1) else "http"), m.group(2), m.group(3) or "/"


def canonicalize(url: str) -> str:
    """The canonical form of ``url``; a string that is not an absolute http(s) URL is returned stripped."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return url
    host, path = parts.hostname, parts.path
    if host.lower().endswith(".cdn.ampproject.org"):
        scheme, host, path = _unwrap_amp_cache(scheme, host, path)
        port = None
    netloc = fold_host(host)
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    return urlunsplit((scheme, netloc, _canonical_path(path), _canonical_query(parts.query), ""))


def article_id(canonical_url: str) -> str:
    """Stable record id: the first 16 bytes of the SHA-256 of the canonical URL, as 32 hex digits."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:32]


def same_site(a: str, b: str) -> bool:
    """True when both URLs belong to the same registrable domain (``edition.cnn.com``, ``cnn.com``)."""
    ha, hb = urlsplit(a).hostname, urlsplit(b).hostname
    return bool(ha and hb) and registrable_domain(fold_host(ha)) == registrable_domain(fold_host(hb))


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _article_like(segment: str) -> bool:
    """A path segment that names one story: has digits, a long slug or a file extension."""
    return bool(_DIGIT.search(segment)) or len(re.split(r"[-_]", segment)) >= 3 or "." in segment


def _is_listing_of(candidate: str, fetched: str) -> bool:
    """True when ``candidate`` looks like the homepage or a section above the ``fetched`` article."""
    c, f = urlsplit(candidate), urlsplit(fetched)
    cseg, fseg = _segments(c.path), _segments(f.path)
    if not cseg:
        return bool(fseg) or (bool(f.query) and not c.query)
    if c.path.rstrip("/") == f.path.rstrip("/"):
        # /news.php?id=123 declaring /news.php: the identity was in the query.
        return bool(f.query) and not c.query
    return len(cseg) < len(fseg) and not _article_like(cseg[-1])


def choose_canonical(fetched_url: str, rel_canonical: str | None = None, og_url: str | None = None) -> str:
    """The canonical URL of a fetched page, given the page's ``rel=canonical`` and ``og:url``.

    A declared URL is trusted only on the same site (a syndication partner pointing at the
    original publisher stays a separate record, which the near-duplicate stage links) and only
    when it is not the homepage or a section above the article, a common CMS misconfiguration.
    Relative declarations are resolved against the fetched URL.
    """
    fetched = canonicalize(fetched_url)
    for declared in (rel_canonical, og_url):
        if not declared or not declared.strip():
            continue
        candidate = canonicalize(urljoin(fetched_url, declared.strip()))
        if not candidate.startswith(("http://", "https://")) or not same_site(candidate, fetched):
            continue
        if _is_listing_of(candidate, fetched):
            continue
        return candidate
    return fetched
