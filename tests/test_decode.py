"""Decoding pages: header charset, meta charset, lying headers and undeclared legacy encodings."""

from __future__ import annotations

import pytest

from newsbot.extract.decode import decode_html

RU = (
    "<html><head><title>Новости</title></head><body><p>Российские войска обстреляли город ночью, "
    "сообщили местные власти. Погибли несколько мирных жителей, ещё десятки ранены.</p></body></html>"
)
AR = (
    "<html><body><p>قصفت الطائرات الحربية ريف إدلب الجنوبي صباح اليوم، وأفادت مصادر محلية بسقوط "
    "قتلى وجرحى بين المدنيين.</p></body></html>"
)
FR = "<html><body><p>Les forces armées ont bombardé la ville, selon les autorités.</p></body></html>"


@pytest.mark.parametrize(
    ("text", "encoding"), [(RU, "koi8-r"), (RU, "cp1251"), (AR, "cp1256"), (FR, "latin-1")]
)
@pytest.mark.parametrize("header", [None, "text/html", "text/html; charset=utf-8"])
def test_undeclared_or_mislabelled_legacy_encodings(text: str, encoding: str, header: str | None) -> None:
    # No declaration, or a header that claims UTF-8 for bytes that are not UTF-8.
    _, decoded = decode_html(text.encode(encoding), header)
    assert decoded == text


def test_header_charset_wins_over_meta() -> None:
    page = '<html><head><meta charset="utf-8"></head><body><p>Киев</p></body></html>'
    enc, decoded = decode_html(page.encode("cp1251"), "text/html; charset=windows-1251")
    assert decoded == page and enc == "cp1251"


def test_meta_charset_when_header_has_none() -> None:
    page = '<html><head><meta charset="windows-1256"></head><body><p>غزة</p></body></html>'
    _, decoded = decode_html(page.encode("cp1256"), "text/html")
    assert "غزة" in decoded


def test_utf8_bom() -> None:
    _, decoded = decode_html("\ufeff<p>Донецьк</p>".encode(), None)
    assert "Донецьк" in decoded
