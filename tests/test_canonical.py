from __future__ import annotations

import pytest

from newsbot.identify.canonical import article_id, canonicalize, choose_canonical, fold_host, same_site

CANONICAL = [
    # scheme and host case, default ports, fragments
    ("HTTP://WWW.Example.COM/News/Story", "http://example.com/News/Story"),
    ("https://example.com:443/a", "https://example.com/a"),
    ("http://example.com:80/a", "http://example.com/a"),
    ("https://example.com:8443/a", "https://example.com:8443/a"),
    ("https://example.com/a#comments", "https://example.com/a"),
    ("https://example.com", "https://example.com/"),
    ("https://user:secret@example.com/a", "https://example.com/a"),
    # host variants folded, but only those prefixes and only as subdomains
    ("https://m.bbc.co.uk/news/world-123", "https://bbc.co.uk/news/world-123"),
    ("https://mobile.example.com/a", "https://example.com/a"),
    (
        "https://amp.theguardian.com/world/2024/may/01/story",
        "https://theguardian.com/world/2024/may/01/story",
    ),
    ("https://www.m.example.com/a", "https://example.com/a"),
    ("https://news.example.com/a", "https://news.example.com/a"),
    ("https://www.news.example.com/a", "https://news.example.com/a"),
    ("https://amp.dev/documentation", "https://amp.dev/documentation"),
    ("https://media.example.com/a", "https://media.example.com/a"),
    # tracking parameters, sorting
    ("https://example.com/a?utm_source=rss&utm_medium=feed", "https://example.com/a"),
    ("https://example.com/a?fbclid=XYZ&gclid=1&dclid=2&msclkid=3", "https://example.com/a"),
    ("https://example.com/a?mc_cid=1&mc_eid=2&igshid=3&yclid=4&_ga=5", "https://example.com/a"),
    ("https://example.com/a?ref=twitter&cmpid=x&ocid=y", "https://example.com/a"),
    ("https://bbc.com/news/x-1?at_medium=RSS&at_campaign=KARANGA", "https://bbc.com/news/x-1"),
    ("https://example.com/a?UTM_Source=x&id=7", "https://example.com/a?id=7"),
    ("https://example.com/a?b=2&a=1&c", "https://example.com/a?a=1&b=2&c"),
    ("https://example.com/article.php?id=42&utm_campaign=z", "https://example.com/article.php?id=42"),
    # AMP variants
    ("https://example.com/world/story/amp", "https://example.com/world/story"),
    ("https://example.com/world/story/amp/", "https://example.com/world/story/"),
    ("https://example.com/amp/world/story", "https://example.com/world/story"),
    ("https://example.com/2024/05/story.amp.html", "https://example.com/2024/05/story.html"),
    ("https://example.com/2024/05/story/amp.html", "https://example.com/2024/05/story/"),
    ("https://example.com/a?amp", "https://example.com/a"),
    ("https://example.com/a?amp=1", "https://example.com/a"),
    ("https://example.com/a?outputType=amp", "https://example.com/a"),
    (
        "https://www-example-com.cdn.ampproject.org/c/s/www.example.com/world/story",
        "https://example.com/world/story",
    ),
    # percent-encoding, index files, path case kept
    ("https://example.com/%7Euser/caf%c3%a9", "https://example.com/~user/caf%C3%A9"),
    ("https://example.com/a b", "https://example.com/a%20b"),
    ("https://example.com/café", "https://example.com/caf%C3%A9"),
    ("https://example.com/100%", "https://example.com/100%25"),
    ("https://example.com/q?x=a%2fb", "https://example.com/q?x=a%2Fb"),
    ("https://example.com/world/index.html", "https://example.com/world/"),
    ("https://example.com/World/Story-ABC", "https://example.com/World/Story-ABC"),
    ("https://exämple.com/a", "https://xn--exmple-cua.com/a"),
    # not http(s): left alone
    ("mailto:desk@example.com", "mailto:desk@example.com"),
]


@pytest.mark.parametrize(("url", "expected"), CANONICAL)
def test_canonicalize(url: str, expected: str) -> None:
    assert canonicalize(url) == expected


@pytest.mark.parametrize(("url", "_"), CANONICAL)
def test_canonicalize_is_idempotent(url: str, _: str) -> None:
    assert canonicalize(canonicalize(url)) == canonicalize(url)


def test_fold_host_only_variant_subdomains() -> None:
    assert fold_host("WWW.Reuters.com.") == "reuters.com"
    assert fold_host("m.co") == "m.co"
    assert fold_host("www.example.blogspot.com") == "example.blogspot.com"


def test_same_site() -> None:
    assert same_site("https://edition.cnn.com/a", "https://www.cnn.com/b")
    assert not same_site("https://a.blogspot.com/x", "https://b.blogspot.com/x")
    assert not same_site("https://partner.com/a", "https://origin.com/a")


@pytest.mark.parametrize(
    ("fetched", "rel", "og", "expected"),
    [
        # trusted declaration on the same site
        (
            "https://www.cnn.com/2024/05/01/world/story-slug/index.html?utm_source=rss",
            "https://edition.cnn.com/2024/05/01/world/story-slug",
            None,
            "https://edition.cnn.com/2024/05/01/world/story-slug",
        ),
        ("https://example.com/a/story-x/amp", "/a/story-x", None, "https://example.com/a/story-x"),
        # homepage or section declared for an article: ignored, og:url used instead
        ("https://example.com/world/2024/story-slug", "https://example.com/", None,
         "https://example.com/world/2024/story-slug"),
        ("https://example.com/world/long-story-slug", "https://example.com/world",
         "https://example.com/world/long-story-slug?id=1", "https://example.com/world/long-story-slug?id=1"),
        ("https://example.com/news.php?id=5", "/news.php", None, "https://example.com/news.php?id=5"),
        # a shorter article URL is fine
        ("https://example.com/article/12345/slug-of-story", "https://example.com/article/12345", None,
         "https://example.com/article/12345"),
        # other site (syndication partner) not trusted
        ("https://partner.com/world/story-1", "https://origin.com/world/story-1", None,
         "https://partner.com/world/story-1"),
        ("https://example.com/a-1", None, None, "https://example.com/a-1"),
        ("https://example.com/a-1", "  ", "", "https://example.com/a-1"),
    ],
)  # fmt: skip
def test_choose_canonical(fetched: str, rel: str | None, og: str | None, expected: str) -> None:
    assert choose_canonical(fetched, rel, og) == expected


def test_article_id_is_stable_hex() -> None:
    url = "https://example.com/world/story"
    assert article_id(url) == article_id(url)
    assert len(article_id(url)) == 32 and int(article_id(url), 16) >= 0
    assert article_id(url) != article_id(url + "-2")
    assert article_id(canonicalize("https://www.example.com/world/story?utm_source=x")) == article_id(url)
