# ruff: noqa: E501 - test pages are kept one per line
"""newsbot's meta-refresh middleware reads the page's first bytes: it must redirect exactly as
Scrapy's own middleware (which decodes the whole page) does."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newsbot.middlewares.metarefresh import HeadMetaRefreshMiddleware

URL = "https://news.example/world/2026/11/story.html"
FILLER = "<p>" + "Shelling continued overnight in the district. " * 200 + "</p>"
PAGES = {
    "immediate": (b'<html><head><meta http-equiv="refresh" content="0; url=/world/real.html"></head>'
                  b"<body>moved</body></html>", "text/html; charset=utf-8"),
    "absolute, quoted": (b"<html><head><meta http-equiv='Refresh' content=\"0;URL='https://other.example/a'\">"
                         b"</head><body>x</body></html>", "text/html"),
    "base href": (b'<html><head><base href="https://cdn.example/news/"><meta http-equiv="refresh" '
                  b'content="1;url=story-2.html"></head><body>x</body></html>', "text/html"),
    "too slow": (b'<html><head><meta http-equiv="refresh" content="600; url=/elsewhere"></head><body>x</body></html>',
                 "text/html"),
    "in noscript": (b'<html><head><noscript><meta http-equiv="refresh" content="0;url=/nojs"></noscript></head>'
                    b"<body>x</body></html>", "text/html"),
    "cp1251 page": ('<html><head><meta charset="windows-1251"><meta http-equiv="refresh" '
                    'content="0;url=/новости/1.html"></head><body>Обстрел</body></html>'.encode("cp1251"),
                    "text/html"),
    "none": (("<html><head><title>Story</title></head><body>" + FILLER + "</body></html>").encode(), "text/html"),
    "after 4 KB": (("<html><head><title>Story</title></head><body>" + FILLER
                    + '<meta http-equiv="refresh" content="0;url=/late"></body></html>').encode(), "text/html"),
    # past byte 4,096 but within 4,096 characters: Scrapy's middleware counts characters
    "multibyte head": (("<html><head><title>" + "قصف " * 700 + "</title>"
                        '<meta http-equiv="refresh" content="0;url=/moved"></head><body>x</body></html>').encode(),
                       "text/html; charset=utf-8"),
}  # fmt: skip


def _outcome(mw: MetaRefreshMiddleware, body: bytes, content_type: str) -> str | None:
    request = Request(URL)
    response = HtmlResponse(URL, body=body, headers={"Content-Type": content_type}, request=request)
    out = mw.process_response(request, response)
    return out.url if isinstance(out, Request) else None


@pytest.mark.parametrize("name", list(PAGES))
def test_same_redirects_as_scrapys_middleware(name: str) -> None:
    crawler = get_crawler(settings_dict={"METAREFRESH_IGNORE_TAGS": ["noscript"]})
    ours = HeadMetaRefreshMiddleware.from_crawler(crawler)
    scrapys = MetaRefreshMiddleware.from_crawler(crawler)
    body, content_type = PAGES[name]
    assert _outcome(ours, body, content_type) == _outcome(scrapys, body, content_type)


def test_redirect_targets() -> None:
    mw = HeadMetaRefreshMiddleware.from_crawler(
        get_crawler(settings_dict={"METAREFRESH_IGNORE_TAGS": ["noscript"]})
    )
    assert _outcome(mw, *PAGES["immediate"]) == "https://news.example/world/real.html"
    assert _outcome(mw, *PAGES["base href"]) == "https://cdn.example/news/story-2.html"
    assert (
        _outcome(mw, *PAGES["cp1251 page"])
        == "https://news.example/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/1.html"
    )
    assert _outcome(mw, *PAGES["too slow"]) is None
    assert _outcome(mw, *PAGES["in noscript"]) is None


def test_the_page_is_not_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_decoding(self: HtmlResponse) -> str:
        raise AssertionError("the whole page was decoded")

    monkeypatch.setattr(HtmlResponse, "text", property(no_decoding))
    mw = HeadMetaRefreshMiddleware.from_crawler(get_crawler())
    for body, content_type in PAGES.values():
        request = Request(URL)
        response = HtmlResponse(URL, body=body, headers={"Content-Type": content_type}, request=request)
        mw.process_response(request, response)  # redirects or not, without response.text
    with pytest.raises(AssertionError, match="decoded"):  # while Scrapy's own middleware decodes it
        scrapys = MetaRefreshMiddleware.from_crawler(get_crawler())
        scrapys.process_response(Request(URL), HtmlResponse(URL, body=PAGES["none"][0], request=Request(URL)))
