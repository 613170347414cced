"""Turn response bytes into text, honouring the HTTP charset, a BOM and the page's meta charset."""

from __future__ import annotations

from charset_normalizer import from_bytes
from w3lib.encoding import html_body_declared_encoding, html_to_unicode, http_content_type_encoding


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an HTML page; returns ``(encoding, text)``.

    Order of precedence is the one browsers and Scrapy's ``TextResponse`` use: BOM, then the HTTP
    ``Content-Type`` charset, then ``<meta charset>``, then detection. A header that claims UTF-8
    for bytes that are not UTF-8 (a common server misconfiguration) falls through to the meta
    charset instead of producing replacement characters.
    """
    header = content_type or ""
    header_enc = http_content_type_encoding(header)
    if header_enc in ("utf-8", "utf8"):
        try:
            return "utf-8", body.decode("utf-8")
        except UnicodeDecodeError:
            header = ""  # the header lies: let the meta charset or detection decide
    enc, text = html_to_unicode(header or None, body, auto_detect_fun=_detect)
    return enc, text


def declared_encoding(body: bytes) -> str | None:
    return html_body_declared_encoding(body)


def _detect(data: bytes) -> str | None:
    # Pages without any declaration are nearly always UTF-8 today. Otherwise guess from the bytes
    # (charset_normalizer, which trafilatura uses too): a koi8-r or windows-1256 page read as
    # cp1252 would be stored as mojibake that looks like valid text.
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:65536]).best()
    return best.encoding if best is not None else "cp1252"
