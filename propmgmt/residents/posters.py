"""The QR code of a compound's public page and its printable A4 poster (PDF, in Chinese)."""
import io

import segno
from markupsafe import Markup

from ..documents import render_pdf


def qr_svg(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=2, xmldecl=True)
    return buffer.getvalue()


def _inline_qr(url: str) -> Markup:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=2, xmldecl=False, svgns=True)
    return Markup(buffer.getvalue().decode())


def poster_pdf(items: list[tuple[object, str, list[str]]]) -> bytes:
    """One A4 page per (compound, public url, work phones), always in Chinese: it hangs in the compound."""
    return render_pdf("residents/poster.html",
                      posters=[(compound, url, phones, _inline_qr(url)) for compound, url, phones in items])
