"""The QR code of a compound's public page and its printable A4 poster (PDF, in Chinese)."""
import io

import segno
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

POSTER_TITLE = _l("Compound service notice with QR code")
SCAN = _l("Scan to see this compound's service, report a problem and follow it")
WHAT = _l("Who serves it, the service schedule and the last 30 days' record")
REPORT = _l("Sewage overflow, blocked shaft, garbage not collected: report by scanning, no account needed")
PHONES = _l("Service phone: %(phones)s")
FONT = "STSong-Light"  # built into reportlab's CID fonts: no font file needed
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def qr_svg(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=8, border=2, xmldecl=True)
    return buffer.getvalue()


def _qr_png(url: str) -> ImageReader:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=12, border=2)
    buffer.seek(0)
    return ImageReader(buffer)


def _centred(pdf: canvas.Canvas, text: str, y: float, size: int) -> None:
    pdf.setFont(FONT, size)
    pdf.drawCentredString(A4[0] / 2, y, text)


def _poster_page(pdf: canvas.Canvas, compound, url: str, phones: list[str]) -> None:
    width, height = A4
    _centred(pdf, compound.name, height - 40 * mm, 30)
    _centred(pdf, str(SCAN), height - 56 * mm, 16)
    side = 120 * mm
    pdf.drawImage(_qr_png(url), (width - side) / 2, height - 70 * mm - side, side, side)
    y = height - 82 * mm - side
    _centred(pdf, str(WHAT), y, 13)
    _centred(pdf, str(REPORT), y - 8 * mm, 13)
    if phones:
        _centred(pdf, str(PHONES) % {"phones": "、".join(phones)}, y - 20 * mm, 15)
    pdf.setFont(FONT, 9)
    pdf.drawCentredString(width / 2, 15 * mm, url)
    pdf.showPage()


def poster_pdf(items: list[tuple[object, str, list[str]]]) -> bytes:
    """One A4 page per (compound, public url, work phones), always in Chinese: it hangs in the compound."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    with force_locale("zh"):
        pdf.setTitle(str(POSTER_TITLE))
        for compound, url, phones in items:
            _poster_page(pdf, compound, url, phones)
    pdf.save()
    return buffer.getvalue()
