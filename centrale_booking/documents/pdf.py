"""PDF confirmations, one per booking, in the booking's language, rendered by WeasyPrint.

Rendering takes tens of milliseconds, so it never runs inside the booking request: the first
call of `confirmation_pdf` (the outbox worker attaching it to the email, or the first download)
renders it and keeps it in the database, keyed by the booking's version and the language; every
later call, on any host, serves the kept bytes. A change to the booking bumps its version, so
the next call renders a new one.

What makes it fast (bench/pdf.py measures it; `--explain` shows each choice's worth):
- the font configuration (fontconfig, and the fonts of the @font-face rules) is made once per
  thread and reused: a new one per document costs about as much again as the whole render;
- a small print stylesheet of its own, parsed once per thread, not the site's CSS, and lean
  markup (WeasyPrint's layout, in Python, costs by the box): no tables, no lists;
- QR codes as tiny one-pixel-per-module PNGs scaled without smoothing, not SVG paths that
  WeasyPrint parses in Python (an SVG QR code adds about half again), made with a fixed mask
  (qr.py says why);
- Titillium Web, the site's font: small, so that subsetting it is quick.
With HarfBuzz subsetting fonts (libharfbuzz-subset), the fonts are no longer what costs: the
rest is layout, which grows with the text and the number of tickets.

The renderer never fetches a URL: `LocalFetcher` serves the app's own static files and the
images made in memory for the document, and refuses everything else."""

from __future__ import annotations

import base64
import mimetypes
import re
import threading
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app, render_template
from flask_babel import force_locale
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .. import clock
from ..booking.models import Booking
from ..booking.states import BookingStatus
from ..extensions import WRITE, db, transaction
from ..links import manage_url, ticket_url
from .models import KeptDocument
from .qr import qr_matrix, qr_png_for_print

CONFIRMATION = "confirmation"
PRINT_STYLESHEET = "css/print-pdf.css"  # in the static folder
MEMORY_SCHEME = "memory"  # memory:<name>: an image made for this document, never a file


class RefusedURL(ValueError):
    """The PDF renderer asked for something that is neither a static file of the app nor an
    image made for the document: refused, never fetched."""


class LocalFetcher(URLFetcher):
    """WeasyPrint's URL fetcher for our documents. Serves <BASE_URL>/static/… from the static
    folder, memory:<name> from the document's own images and data: URLs; anything else
    (another host, file:, a path outside the static folder) raises RefusedURL, which
    WeasyPrint reports as a warning and renders the document without that resource."""

    def __init__(self, static_folder: str | Path, base_url: str, memory: dict[str, bytes]):
        super().__init__(allowed_protocols=())  # nothing reaches urllib's openers
        self.static_folder = Path(static_folder).resolve()
        base = urlsplit(base_url)
        self.origin = (base.scheme, base.netloc)
        self.static_path = base.path.rstrip("/") + "/static/"
        self.memory = memory

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith(f"{MEMORY_SCHEME}:"):
            name = url.split(":", 1)[1]
            if name not in self.memory:
                raise RefusedURL(f"no such in-memory resource: {url}")
            return URLFetcherResponse(url, self.memory[name], {"Content-Type": _type(name)})
        if url.startswith("data:"):
            return self._data(url)
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) == self.origin and parts.path.startswith(self.static_path):
            path = (self.static_folder / unquote(parts.path[len(self.static_path) :])).resolve()
            if path.is_relative_to(self.static_folder) and path.is_file():
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": _type(path)})
        raise RefusedURL(f"the PDF renderer fetches nothing from outside the app: {url}")

    def _data(self, url: str) -> URLFetcherResponse:
        header, _, payload = url[len("data:") :].partition(",")
        media_type = header.split(";")[0] or "text/plain"
        body = base64.b64decode(payload) if header.endswith(";base64") else unquote(payload)
        return URLFetcherResponse(url, body, {"Content-Type": media_type})


def _type(name) -> str:
    return mimetypes.guess_type(str(name))[0] or "application/octet-stream"


class PdfRenderer:
    """Turns HTML into PDF with what can be made once: the font configuration and the parsed
    print stylesheet, kept per thread, since Pango's objects must not be shared between
    threads. One per app (in app.extensions), made on first use."""

    def __init__(self, app: Flask):
        self.base_url = app.config["BASE_URL"].rstrip("/") + "/"
        self.static_folder = app.static_folder
        self._per_thread = threading.local()

    def fetcher(self, memory: dict[str, bytes] | None = None) -> LocalFetcher:
        return LocalFetcher(self.static_folder, self.base_url, memory or {})

    def _tools(self) -> tuple[FontConfiguration, CSS]:
        tools = getattr(self._per_thread, "tools", None)
        if tools is None:
            fonts = FontConfiguration()
            stylesheet = CSS(
                string=(Path(self.static_folder) / PRINT_STYLESHEET).read_text(),
                base_url=f"{self.base_url}static/{PRINT_STYLESHEET}",
                url_fetcher=self.fetcher(),
                font_config=fonts,
            )
            tools = self._per_thread.tools = (fonts, stylesheet)
        return tools

    def render(self, html: str, memory: dict[str, bytes] | None = None) -> bytes:
        fonts, stylesheet = self._tools()
        document = HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher(memory))
        return document.write_pdf(stylesheets=[stylesheet], font_config=fonts)


def renderer() -> PdfRenderer:
    found = current_app.extensions.get("centrale_pdf")
    if found is None:
        found = current_app.extensions["centrale_pdf"] = PdfRenderer(current_app)
    return found


def confirmation_pdf(booking: Booking, language: str | None = None) -> bytes:
    """The booking's confirmation PDF: the kept one for its current version and language, or
    a new one, rendered now and kept.

    Keeping it writes a row. Called outside a writing transaction (a view, the outbox worker
    before it records the sending), the row is committed in a short transaction of its own, as
    `sweep_expired_holds` does; called inside one (`with transaction():`), it is added to that
    transaction, and kept when the caller commits."""
    language = language or booking.language
    # the programme's version of it: a campus family's counts every week of the family
    version = booking.slot.programme.document_version(booking)
    kept = _kept(booking.id, CONFIRMATION, version, language)
    if kept is not None:
        return kept
    content = render_confirmation(booking, language)
    return _keep(booking, CONFIRMATION, version, language, content)


def render_confirmation(booking: Booking, language: str | None = None) -> bytes:
    """Render the confirmation PDF now, without keeping it (tests and benchmarks)."""
    language = language or booking.language
    html, memory = confirmation_html(booking, language)
    return renderer().render(html, memory)


def confirmation_html(booking: Booking, language: str | None = None) -> tuple[str, dict]:
    """The confirmation's HTML and the images it refers to (memory:<name>)."""
    language = language or booking.language
    slot = booking.slot
    programme = slot.programme
    memory: dict[str, bytes] = {}
    tickets = []
    if booking.status is BookingStatus.confirmed:
        for n, ticket in enumerate(programme.document_tickets(booking), start=1):
            url = ticket_url(ticket)
            memory[f"qr-{n}.png"] = qr_png_for_print(qr_matrix(url))
            tickets.append(
                {
                    "ticket": ticket,
                    "label": programme.ticket_caption(ticket),
                    "url": url,
                    "qr": f"{MEMORY_SCHEME}:qr-{n}.png",
                }
            )
    with force_locale(language):
        html = render_template(
            [f"pdf/{programme.kind}.html", "pdf/confirmation.html"],
            booking=booking,
            slot=slot,
            programme=programme,
            language=language,
            title=programme.text("title", language),
            facts=programme.document_facts(booking, language),
            start_time=clock.clock_time(slot.starts_at, language),
            cancel_until=clock.moment_text(slot.cancellation_deadline, language),
            tickets=tickets,
            manage_url=manage_url(booking),
            museum_name=current_app.config["MUSEUM_NAME"],
            museum_address=current_app.config["MUSEUM_ADDRESS"],
        )
    return printable(html), memory


# Pictographs (emoji and other symbols) that the documents' fonts do not draw would print as
# a blank: they are written as their Unicode names instead, "Giulia 🌊" as "Giulia (water
# wave)". The joiners, the variation selectors and the skin tones of a sequence go with them.
_PICTOGRAPHS = re.compile(
    "["
    "\U0001f000-\U0001faff"  # emoji, pictographs, transport, supplemental symbols, flags
    "\u2600-\u27bf"  # miscellaneous symbols, dingbats
    "\u2b00-\u2bff"  # arrows and stars (⭐)
    "\u2300-\u23ff"  # technical (⌚ ⏰)
    "\U000e0020-\U000e007f"  # tag characters of subdivision flags
    "\u200d\ufe0e\ufe0f\u20e3"  # joiner, variation selectors, keycap
    "]+"
)
_SILENT = {"\u200d", "\ufe0e", "\ufe0f", "\u20e3"}


def printable(text: str) -> str:
    """The text with every pictograph the PDF's fonts lack written out as its name."""
    return _PICTOGRAPHS.sub(_named, text)


def _named(match: re.Match) -> str:
    names = []
    for character in match.group():
        if (
            character in _SILENT
            or 0x1F3FB <= ord(character) <= 0x1F3FF
            or ord(character) >= 0xE0000
        ):
            continue  # parts of a sequence, not pictures of their own
        name = unicodedata.name(character, "").lower()
        if name.startswith("regional indicator symbol letter "):
            name = name.rsplit(" ", 1)[1].upper()  # a flag: its country's letters
        names.append(name or "?")
    return f"({' '.join(names)})" if names else ""


def _keep(booking: Booking, kind: str, version: int, language: str, content: bytes) -> bytes:
    booking_id = booking.id
    document = KeptDocument(
        booking_id=booking_id, kind=kind, version=version, language=language, content=content
    )
    session = db.session()
    # Inside the caller's writing transaction: a savepoint in it (kept when the caller
    # commits), so that a clash leaves the caller's work untouched. Otherwise: a short
    # transaction of its own.
    block = session.begin_nested if _writing(session) else transaction
    try:
        with block():
            _replace(session, document)
    except IntegrityError:
        # Another host kept the same version meanwhile: serve the bytes it serves.
        return _kept(booking_id, kind, version, language) or content
    return content


def _writing(session) -> bool:
    """Whether the session is inside a writing transaction (extensions.transaction)."""
    if not session.in_transaction():
        return False
    options = session.connection().get_execution_options()
    return all(options.get(key) == value for key, value in WRITE.items())


def _replace(session, document: KeptDocument) -> None:
    # Older versions are of no use any more: the booking has changed since.
    session.execute(
        delete(KeptDocument).where(
            KeptDocument.booking_id == document.booking_id,
            KeptDocument.kind == document.kind,
            KeptDocument.version < document.version,
        )
    )
    session.add(document)
    session.flush()


def _kept(booking_id: int, kind: str, version: int, language: str) -> bytes | None:
    return db.session.scalar(
        select(KeptDocument.content).where(
            KeptDocument.booking_id == booking_id,
            KeptDocument.kind == kind,
            KeptDocument.version == version,
            KeptDocument.language == language,
        )
    )
