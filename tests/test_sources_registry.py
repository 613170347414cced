"""The shipped source registry, the registry loader's error messages, and ``newsbot sources check``.

The registry tests hold ``settings/sources.toml`` to what the project promises its users: enough
sources, every main theatre of war covered in the languages spoken there, and every address traceable
to where an outlet or a public list documents it. The check command is exercised against a real HTTP
server in a subprocess on loopback, like Scrapy's own mock server; nothing here touches the internet.
"""

from __future__ import annotations

import gzip
import io
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from rich.console import Console

from newsbot.cli.sources_check import SourceCheck, check_sources, main, parse_document, render
from newsbot.config.errors import ConfigError
from newsbot.config.sources import Source, load_sources

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "settings" / "sources.toml"
FIXTURES = Path(__file__).resolve().parent / "data" / "sources_check"

# The only slugs `regions` may use: theatres of war, plus broad areas for outlets that cover many.
THEATRES = frozenset(
    {
        "syria",
        "iraq",
        "yemen",
        "israel-palestine",
        "lebanon",
        "ukraine",
        "russia",
        "sahel",
        "sudan",
        "ethiopia",
        "drc",
        "somalia",
        "myanmar",
        "afghanistan",
        "pakistan",
        "colombia",
        "mexico",
    }
)
OTHER_REGIONS = frozenset(
    {
        "global",
        "middle-east",
        "africa",
        "europe",
        "asia",
        "latin-america",
        "iran",
        "turkey",
        "libya",
        "south-sudan",
        "caucasus",
    }
)
REGIONS = THEATRES | OTHER_REGIONS
LANGUAGES = frozenset({"en", "ar", "fa", "fr", "uk", "ru", "es", "tr"})
KINDS = frozenset({"wire", "broadcaster", "newspaper", "digital", "humanitarian", "radio"})


@pytest.fixture(scope="module")
def sources() -> list[Source]:
    return load_sources(REGISTRY)


# --------------------------------------------------------------------------- the shipped registry


def test_registry_is_large_enough(sources: list[Source]) -> None:
    assert len(sources) >= 40
    # enabled = its address was confirmed in a citable document (see the file's header)
    assert sum(s.enabled for s in sources) >= 40


def test_ids_are_unique(sources: list[Source]) -> None:
    counts = Counter(s.id for s in sources)
    assert [sid for sid, n in counts.items() if n > 1] == []


def test_every_url_is_https(sources: list[Source]) -> None:
    bad = [
        (s.id, url)
        for s in sources
        for url in (s.homepage, *s.feeds, *s.sitemaps, s.documented_in or "")
        if urlsplit(url).scheme != "https" or not urlsplit(url).hostname
    ]
    assert bad == []


def test_every_source_has_a_feed_or_sitemap(sources: list[Source]) -> None:
    assert [s.id for s in sources if not s.feeds and not s.sitemaps] == []


def test_no_address_is_listed_twice(sources: list[Source]) -> None:
    counts = Counter(url for s in sources for url in (*s.feeds, *s.sitemaps))
    assert [url for url, n in counts.items() if n > 1] == []


def test_language_coverage(sources: list[Source]) -> None:
    covered = {lang for s in sources for lang in s.languages}
    assert LANGUAGES <= covered, f"missing languages: {sorted(LANGUAGES - covered)}"
    enabled = {lang for s in sources if s.enabled for lang in s.languages}
    assert LANGUAGES <= enabled, f"no enabled source in {sorted(LANGUAGES - enabled)}"


def test_regions_use_the_vocabulary(sources: list[Source]) -> None:
    bad = {s.id: sorted(set(s.regions) - REGIONS) for s in sources if set(s.regions) - REGIONS}
    assert bad == {}
    assert [s.id for s in sources if not s.regions] == []


def test_every_theatre_is_covered(sources: list[Source]) -> None:
    covered = {r for s in sources for r in s.regions}
    assert THEATRES <= covered, f"theatres without a source: {sorted(THEATRES - covered)}"
    enabled = {r for s in sources if s.enabled for r in s.regions}
    assert "global" in enabled
    # Myanmar: no outlet's feed address could be confirmed from a citable document yet.
    assert THEATRES - {"myanmar"} <= enabled, f"no enabled source for {sorted(THEATRES - enabled)}"


def test_every_theatre_has_a_local_or_regional_source(sources: list[Source]) -> None:
    # International outlets tag themselves "global"; a theatre also needs an outlet focused on it.
    focused = {r for s in sources if "global" not in s.regions for r in s.regions}
    assert THEATRES <= focused, f"theatres covered only by global outlets: {sorted(THEATRES - focused)}"


def test_kinds_use_the_vocabulary(sources: list[Source]) -> None:
    kinds = {s.id: s.extra.get("kind") for s in sources}
    assert {sid: k for sid, k in kinds.items() if k not in KINDS} == {}
    assert "humanitarian" in kinds.values()


def test_every_address_is_documented(sources: list[Source]) -> None:
    today = date.today()
    for s in sources:
        assert s.documented_in, f"{s.id}: documented_in is missing"
        assert s.documented_on, f"{s.id}: documented_on is missing"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", s.documented_on), f"{s.id}: {s.documented_on!r}"
        when = date.fromisoformat(s.documented_on)
        assert date(2015, 1, 1) <= when <= today, f"{s.id}: documented_on {when} is implausible"


def test_disabled_sources_say_why(sources: list[Source]) -> None:
    assert [s.id for s in sources if not s.enabled and not s.extra.get("notes")] == []


def test_deny_patterns_keep_articles(sources: list[Source]) -> None:
    aje = {s.id: s for s in sources}["aljazeera-en"]
    assert aje.accepts(
        "https://www.aljazeera.com/news/2024/1/21/egypts-el-sisi-says-cairo-will-not-allow-any-threat"
    )
    assert not aje.accepts("https://www.aljazeera.com/video/newsfeed/2024/1/21/some-clip")


# --------------------------------------------------------------------------- loader error messages

GOOD = """\
[[source]]
id = "good"
name = "Good"
homepage = "https://good.example/"
languages = ["en"]
feeds = ["https://good.example/rss.xml"]
enabled = true
"""


def _error(tmp_path: Path, text: str) -> ConfigError:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    err = info.value
    assert str(path) in str(err), "the message names the file"
    return err


def test_loader_rejects_a_missing_field(tmp_path: Path) -> None:
    err = _error(
        tmp_path,
        GOOD + '\n[[source]]\nid = "second"\nhomepage = "https://b.example/"\n'
        'languages = ["fr"]\nfeeds = ["https://b.example/rss"]\nenabled = true\n',
    )
    assert err.field == "name" and err.line == 9
    assert "sources.toml:9: field 'name': is required" in str(err)


def test_loader_rejects_a_bad_feed_url(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD.replace("https://good.example/rss.xml", "ftp://good.example/rss.xml"))
    assert (err.field, err.line) == ("feeds", 1)
    assert "ftp://good.example/rss.xml" in str(err)


def test_loader_rejects_a_bad_regex(tmp_path: Path) -> None:
    err = _error(tmp_path, "# comment\n" + GOOD + 'deny = ["/video/(", "/live/"]\n')
    assert (err.field, err.line) == ("deny", 2)
    assert "bad regular expression '/video/('" in str(err)


def test_loader_rejects_a_duplicate_id(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD + "\n" + GOOD)
    assert (err.field, err.line) == ("id", 9)
    assert "duplicate id 'good' (first at line 1)" in str(err)


def test_loader_rejects_an_unknown_field(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD + 'langauge = "en"\n')
    assert (err.field, err.line) == ("langauge", 1)


def test_loader_rejects_bad_languages(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD.replace('["en"]', '["english"]'))
    assert err.field == "languages" and "ISO 639-1" in str(err)


def test_loader_rejects_an_enabled_source_without_addresses(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD.replace('feeds = ["https://good.example/rss.xml"]\n', ""))
    assert err.field == "feeds" and "at least one feed or sitemap" in str(err)


def test_loader_rejects_invalid_toml(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD + 'notes = "unterminated\n')
    assert err.line == 8 and "not valid TOML" in str(err)


# --------------------------------------------------------------------------- newsbot sources check


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixtures (plus a gzipped sitemap) served by ``python -m http.server`` on a free port."""
    root = tmp_path_factory.mktemp("sources_check_site")
    for f in FIXTURES.iterdir():
        shutil.copy(f, root / f.name)
    (root / "sitemap.xml.gz").write_bytes(gzip.compress((FIXTURES / "sitemap.xml").read_bytes()))
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.search(r"port (\d+)", line)
        assert m, f"http.server did not report its port: {line!r}"
        yield f"http://127.0.0.1:{m.group(1)}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def _source(sid: str, feeds: Sequence[str] = (), sitemaps: Sequence[str] = ()) -> Source:
    return Source(
        id=sid,
        name=sid,
        homepage="https://example.org/",
        languages=("en",),
        feeds=tuple(feeds),
        sitemaps=tuple(sitemaps),
    )


def test_check_reports_a_valid_feed_and_a_404(site: str) -> None:
    src = _source("fixture", feeds=[f"{site}/feed.xml", f"{site}/missing.xml"])
    good, missing = check_sources([src], timeout=5)
    assert good == SourceCheck(
        "fixture", "feed", f"{site}/feed.xml", 200, good.content_type, "rss", 3, good.elapsed, None
    )
    assert good.ok and good.content_type in ("text/xml", "application/xml") and good.elapsed > 0
    assert missing.status == 404 and not missing.ok
    assert missing.error and missing.error.startswith("HTTP 404")
    assert missing.format is None and missing.entries == 0


def test_check_reads_sitemaps_plain_and_gzipped(site: str) -> None:
    src = _source("maps", sitemaps=[f"{site}/sitemap.xml", f"{site}/sitemap.xml.gz"])
    plain, gz = check_sources([src], timeout=5)
    assert (plain.kind, plain.format, plain.entries, plain.ok) == ("sitemap", "sitemap", 2, True)
    assert (gz.format, gz.entries, gz.ok) == ("sitemap", 2, True)


def test_check_flags_a_page_that_is_not_a_feed(site: str) -> None:
    (result,) = check_sources([_source("html", feeds=[f"{site}/not-a-feed.html"])], timeout=5)
    assert result.status == 200 and result.content_type == "text/html"
    assert not result.ok and result.format is None
    assert result.error and ("not well-formed" in result.error or "not a feed" in result.error)


def test_check_reports_a_refused_connection(site: str) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (result,) = check_sources([_source("down", feeds=[f"http://127.0.0.1:{port}/rss"])], timeout=5)
    assert result.status is None and not result.ok and result.error


def test_check_keeps_registry_order(site: str) -> None:
    srcs = [_source(f"s{i}", feeds=[f"{site}/feed.xml"]) for i in range(6)]
    assert [r.source for r in check_sources(srcs, timeout=5, workers=3)] == [f"s{i}" for i in range(6)]


def test_parse_document_knows_atom_and_rdf() -> None:
    atom = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry/><entry/></feed>'
    rdf = (
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">'
        b"<channel/><item/></rdf:RDF>"
    )
    index = b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap/></sitemapindex>'
    assert parse_document(atom) == ("atom", 2)
    assert parse_document(rdf) == ("rdf", 1)
    assert parse_document(index) == ("sitemap-index", 1)
    with pytest.raises(ValueError):
        parse_document(b"<html><body>no</body></html>")


def test_render_prints_a_table(site: str) -> None:
    src = _source("fixture", feeds=[f"{site}/feed.xml", f"{site}/missing.xml"])
    results = check_sources([src], timeout=5)
    buf = io.StringIO()
    render(results, Console(file=buf, width=220))
    out = buf.getvalue()
    assert "fixture" in out and "rss" in out and "404" in out
    assert "1 of 2 addresses OK, 1 failed" in out


def _registry(tmp_path: Path, site: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(
        f"""\
[[source]]
id = "up"
name = "Up"
homepage = "{site}/"
languages = ["en"]
feeds = ["{site}/feed.xml"]
sitemaps = ["{site}/sitemap.xml"]
enabled = true

[[source]]
id = "gone"
name = "Gone"
homepage = "{site}/"
languages = ["fr"]
feeds = ["{site}/missing.xml"]
enabled = true

[[source]]
id = "off"
name = "Off"
homepage = "{site}/"
languages = ["es"]
feeds = ["{site}/missing-too.xml"]
enabled = false
""",
        encoding="utf-8",
    )
    return path


def test_main_exit_status(site: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _registry(tmp_path, site)
    assert main(["--sources", str(path), "--timeout", "5"]) == 1
    out = capsys.readouterr().out
    assert "gone" in out and "off" not in out  # disabled sources are skipped unless asked for
    assert main(["--sources", str(path), "--only", "up", "--timeout", "5"]) == 0
    assert "2 of 2 addresses OK" in capsys.readouterr().out
    assert main(["--sources", str(path), "--only", "off"]) == 1


def test_main_rejects_bad_input(site: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _registry(tmp_path, site)
    assert main(["--sources", str(path), "--only", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text('[[source]]\nid = "x"\n', encoding="utf-8")
    assert main(["--sources", str(bad)]) == 2
    assert "bad.toml:1: field 'name': is required" in capsys.readouterr().err


def test_sources_check_summary_counts_without_fetching(capsys: pytest.CaptureFixture[str]) -> None:
    import tomllib

    shipped = Path(__file__).resolve().parents[1] / "settings" / "sources.toml"
    raw = tomllib.loads(shipped.read_text(encoding="utf-8"))["source"]
    enabled = [s for s in raw if s.get("enabled", True)]
    assert main(["--summary", "--sources", str(shipped)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"sources: {len(raw)}, enabled: {len(enabled)}, disabled: {len(raw) - len(enabled)}"
    ar = sum("ar" in s["languages"] for s in enabled)
    assert f"ar {ar}" in lines[1].split(": ", 1)[1].split(", ")
