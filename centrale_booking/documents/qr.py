"""QR codes. A ticket's QR code holds its URL, <BASE_URL>/t/<code>: a phone opens the ticket
page, the desk scanner reads the code out of it (DESIGN.md, "Interfaces").

The symbol is made by `qrcode` and drawn here: as one SVG path for pages and PDFs, as a PNG for
emails and as a one-pixel-per-module PNG for the PDF renderer, which scales it without
smoothing (`image-rendering: pixelated`)."""

from __future__ import annotations

import io
from html import escape

import qrcode
from flask import has_request_context
from flask_babel import gettext as _
from markupsafe import Markup
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4  # modules of white around the symbol, as the standard asks
# The mask is fixed rather than chosen by trying all eight against the standard's penalty
# rules: trying them is three quarters of the time `qrcode` takes (about 3 ms of 4 a code,
# 100 ms for a 30-ticket PDF). A ticket URL ends in 128 random bits, so its modules look
# random under any mask; over random ticket URLs, mask 4 is the one the rules pick in the
# median case and never scored worse than 1.3 times the best.
MASK = 4


def qr_matrix(data: str) -> list[list[bool]]:
    """The modules of the symbol for `data`, quiet zone included; True is dark."""
    # M recovers from about 15% damage: a creased or smudged printout still scans.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE, mask_pattern=MASK)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


def qr_svg(
    data: str, label: str | None = None, *, matrix: list[list[bool]] | None = None
) -> Markup:
    """The QR code as inline SVG, sized by its container (width 100%), with a text
    alternative: a screen reader says what the code is for instead of skipping it."""
    matrix = matrix or qr_matrix(data)
    size = len(matrix)
    if label is None:
        # Outside a request (the outbox worker) no language is chosen: the data says it all.
        label = _("QR code of %(data)s", data=data) if has_request_context() else data
    # One path, a rectangle per horizontal run of dark modules: far fewer nodes than a
    # rectangle per module, for browsers and for the PDF renderer alike.
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    title = escape(label)
    # Safe: the label is escaped above; everything else is numbers.
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'role="img" aria-label="{title}" class="qr-code" width="100%" '
        f'shape-rendering="crispEdges"><title>{title}</title>'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )


def qr_png(data: str, module_px: int = 8, *, matrix: list[list[bool]] | None = None) -> bytes:
    """The QR code as a black and white PNG, `module_px` pixels a module: 8 gives 328 pixels
    for a ticket URL, sharp in any email client without being scaled up."""
    return _png(matrix or qr_matrix(data), module_px, "1")


def qr_png_for_print(matrix: list[list[bool]]) -> bytes:
    """One pixel a module, 8-bit grey (what the PDF stores without converting it): a few
    hundred bytes that the PDF scales to any size with square, sharp modules."""
    return _png(matrix, 1, "L")


def _png(matrix: list[list[bool]], module_px: int, mode: str) -> bytes:
    size = len(matrix)
    image = Image.new(mode, (size, size))
    image.putdata([0 if dark else 255 for row in matrix for dark in row])
    if module_px > 1:
        image = image.resize((size * module_px, size * module_px), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
