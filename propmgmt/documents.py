"""Printed documents: a page's own HTML template rendered to an A4 PDF (WeasyPrint, Debian's Pango).

One template serves the page, the browser's print and the PDF: the end of static/css/app.css holds the print
layout (A4, page header, "第 N 页 / 共 M 页", tables whose header repeats on every page) for both.
WeasyPrint reads only the app's own static files (no network), with the CJK fonts the machine has
(fonts-noto-cjk). Outside a request (the scheduler's monthly archive) a request context is made up
for url_for; the document is always in Chinese.
"""
import logging
import mimetypes
import os
from urllib.parse import urlsplit

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale

# WeasyPrint warns about every screen-only rule of app.css (media queries, sticky, overflow-x).
logging.getLogger("weasyprint").setLevel(logging.ERROR)


class DocumentError(RuntimeError):
    """WeasyPrint (or Pango under it) could not render the document."""


def _static_response(url: str):
    """/static/... from the app's static folder as a WeasyPrint response; anything else is refused."""
    from weasyprint.urls import URLFetcherResponse

    static_url = current_app.static_url_path.rstrip("/") + "/"
    path = urlsplit(url).path
    if not path.startswith(static_url):
        raise ValueError(f"documents: only the app's static files are read, not {url}")
    root = os.path.realpath(current_app.static_folder)
    file = os.path.realpath(os.path.join(root, path[len(static_url):]))
    if not file.startswith(root + os.sep) or not os.path.isfile(file):
        raise ValueError(f"documents: no static file {path}")
    with open(file, "rb") as handle:
        body = handle.read()
    return URLFetcherResponse(url, body, {"Content-Type": mimetypes.guess_type(file)[0] or "text/plain"})


def render_html(template_name: str, **ctx) -> str:
    """The template as the PDF will show it: in Chinese, with `printing` set for the template."""
    with force_locale("zh"):
        if has_request_context():
            return render_template(template_name, printing=True, **ctx)
        with current_app.test_request_context("/"):
            return render_template(template_name, printing=True, **ctx)


def render_pdf(template_name: str, **ctx) -> bytes:
    """The template rendered to PDF with the print stylesheet (A4, page header and numbers)."""
    return pdf_from_html(render_html(template_name, **ctx), name=template_name)


def pdf_from_html(html: str, *, name: str = "the document") -> bytes:
    """HTML made by render_html as a PDF (for a caller that keeps the HTML, e.g. to hash it)."""
    from weasyprint import HTML  # imported here: it loads Pango, which only documents need
    from weasyprint.urls import URLFetcher

    class StaticFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            return _static_response(url)

    try:
        return HTML(string=html, base_url="http://localhost/", url_fetcher=StaticFetcher()).write_pdf()
    except OSError as error:  # Pango missing or broken: say what to install
        raise DocumentError(f"WeasyPrint could not render {name} ({error}); "
                            "run `make system-packages` for Pango") from error
