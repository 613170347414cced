"""Meta-refresh redirects read from the page's first bytes, without decoding the page.

Scrapy's :class:`~scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware` reads
``response.text[0:4096]``: it decodes the whole page (and caches the text on the response) in the
main process to look at its head. newsbot decodes pages in its extraction workers, so this
subclass decodes only enough bytes for the first 4,096 characters (in the page's declared
encoding) and gives them to the same w3lib functions Scrapy's uses. Same settings
(``METAREFRESH_ENABLED``, ``METAREFRESH_IGNORE_TAGS``, ``METAREFRESH_MAXDELAY``), same redirects.
"""

from __future__ import annotations

from typing import cast

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Response
from scrapy.utils.httpobj import urlparse_cached
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, resolve_encoding
from w3lib.html import get_base_url, get_meta_refresh

#: Characters of the page Scrapy's middleware looks at, and the most bytes they can take.
HEAD_CHARS = 4096
HEAD_BYTES = 4 * HEAD_CHARS


def head_encoding(response: Response, head: bytes) -> str:
    header = response.headers.get(b"Content-Type", b"").decode("latin-1")
    declared = http_content_type_encoding(header) or html_body_declared_encoding(head)
    return resolve_encoding(declared or "utf-8") or "utf-8"


class HeadMetaRefreshMiddleware(MetaRefreshMiddleware):
    def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: object = None
    ) -> Request | Response:
        if (
            request.meta.get("dont_redirect", False)
            or request.method == "HEAD"
            or not isinstance(response, HtmlResponse)
            or urlparse_cached(request).scheme not in {"http", "https"}
        ):
            return response
        raw = response.body[:HEAD_BYTES]
        encoding = head_encoding(response, raw)
        # Characters, as Scrapy counts them: 4,096 bytes of Arabic or Cyrillic are ~2,000.
        head = raw.decode(encoding, errors="ignore")[:HEAD_CHARS]
        base = get_base_url(head, response.url, encoding)
        interval, url = get_meta_refresh(head, base, encoding, ignore_tags=self._ignore_tags)
        if not url:
            return response
        redirected = self._redirect_request_using_get(request, response, url)
        if urlparse_cached(redirected).scheme not in {"http", "https"}:
            return response
        if cast("float", interval) < self._maxdelay:
            return self._redirect(redirected, request, "meta refresh")
        return response
