"""How fast a confirmation PDF renders, beside the bare limit of WeasyPrint, measured in one run.

    .venv/bin/python bench/pdf.py                 # 40 rounds
    .venv/bin/python bench/pdf.py --smoke         # 2 rounds: that it runs (make test)
    .venv/bin/python bench/pdf.py --rounds 80 --explain --out /tmp/pdfs

On a fresh SQLite database built by the migrations (in a temporary folder), with an event
booking of 2 seats (1 ticket) and a campus booking of 30 children (30 tickets):

  bare          WeasyPrint with its default settings (a new font configuration, its default URL
                fetcher, only its user-agent stylesheet) on a one-page document: a heading, a
                10-row table and an inline SVG QR code of a ticket URL (documents.qr.qr_svg).
                The limit the confirmation is compared with.
  confirmation  render_confirmation(booking): everything but keeping the result, that is the
                template, the QR code and WeasyPrint.
  30 tickets    the same for the campus booking: 30 QR codes, two pages.
  serve         an already kept PDF: GET /prenotazione/<reference>/<token>/conferma.pdf through
                the Flask test client when the app has that route, else confirmation_pdf(booking)
                on a booking whose PDF is kept (the script says which).

Rounds interleave the measurements in a shuffled order, so the machine's noise falls on all
alike. Prints the median and p95 of each (wall clock), the median CPU time of the process (the
steadier figure when other work shares the machine), the ratio confirmation / bare (the issue's
target: under 0.5, judged on the wall clock) and the serving median (target: under 5 ms), and
each file's size. --explain adds
what each choice of documents/pdf.py is worth, by rendering the same confirmation without it.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

START = datetime(2027, 3, 4, 17, 30, tzinfo=UTC)  # a Thursday, 18:30 in Milan
CAMPUS = datetime(2027, 3, 25, 7, 30, tzinfo=UTC)  # Thursday and Friday, 8:30 to 16:30
NOW = START - timedelta(days=10)
TARGET_RATIO = 0.5
TARGET_SERVE_MS = 5.0


def bare_html(qr_svg, data: str) -> str:
    rows = "".join(f"<tr><td>Row {n}</td><td>Value {n}</td></tr>" for n in range(1, 11))
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Bare</title></head>"
        f"<body><h1>Bare page</h1><table>{rows}</table>"
        f"<div style='width:40mm'>{qr_svg(data, 'QR code')}</div></body></html>"
    )


def make_bookings():
    from centrale_booking.booking.engine import Contact, request_booking
    from centrale_booking.booking.models import Slot, Unit, WaitlistMode
    from centrale_booking.campus.models import Campus, Season
    from centrale_booking.events.models import Category, Event
    from centrale_booking.extensions import db, transaction

    event = Event(
        slug="bench-event",
        title_it="Acqua e città: come Milano beve",
        title_en="Water and the city: how Milan drinks",
        category=Category.talk,
        room="Sala delle pompe",
        published=True,
        max_per_booking=4,
        cancel_deadline_hours=2,
    )
    campus = Campus(
        slug="bench-campus",
        title_it="Campus di Pasqua 2027",
        title_en="Easter campus 2027",
        season=Season.easter,
        published=True,
        unit=Unit.children,
        max_per_booking=30,
        waitlist_mode=WaitlistMode.offer,
        cancel_deadline_hours=7 * 24,
    )
    with transaction():
        event.slots = [Slot(starts_at=START, ends_at=START + timedelta(minutes=90), capacity=99)]
        campus.slots = [
            Slot(starts_at=CAMPUS, ends_at=CAMPUS + timedelta(days=1, hours=8), capacity=40)
        ]
        db.session.add_all([event, campus])
    with transaction():
        one = request_booking(
            event.slots[0], 2, Contact("Giulia Bianchi", "giulia@example.org", "it"), now=NOW
        )
        thirty = request_booking(
            campus.slots[0], 30, Contact("Marco Rossi", "marco@example.org", "it"), now=NOW
        )
    return one, thirty


def measure(functions: dict, rounds: int, cpu: dict | None = None) -> dict[str, list[float]]:
    """Wall-clock milliseconds of each call, rounds interleaved in a shuffled order; the
    process's CPU milliseconds too, into `cpu`, when given (steadier on a busy machine)."""
    for function in functions.values():  # warm up: imports, fonts, caches
        function()
    times: dict[str, list[float]] = {name: [] for name in functions}
    for name in functions:
        if cpu is not None:
            cpu[name] = []
    for _ in range(rounds):
        names = list(functions)
        random.shuffle(names)
        for name in names:
            started, started_cpu = time.perf_counter(), time.process_time()
            functions[name]()
            times[name].append((time.perf_counter() - started) * 1000)
            if cpu is not None:
                cpu[name].append((time.process_time() - started_cpu) * 1000)
    return times


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


def explain_variants(booking, rounds: int) -> dict:
    """The same confirmation without each of documents/pdf.py's choices, one at a time."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from centrale_booking.documents.pdf import PRINT_STYLESHEET, confirmation_html, renderer
    from centrale_booking.documents.qr import qr_svg
    from centrale_booking.links import ticket_url

    r = renderer()
    fonts, stylesheet = r._tools()
    html, memory = confirmation_html(booking)
    css_text = (Path(r.static_folder) / PRINT_STYLESHEET).read_text()
    css_base = f"{r.base_url}static/{PRINT_STYLESHEET}"

    def ours(page=html, css=stylesheet):
        return HTML(string=page, base_url=r.base_url, url_fetcher=r.fetcher(memory)).write_pdf(
            stylesheets=[css], font_config=fonts
        )

    def fresh_fonts():  # a new font configuration and stylesheet for each document
        new_fonts = FontConfiguration()
        css = CSS(
            string=css_text, base_url=css_base, url_fetcher=r.fetcher(), font_config=new_fonts
        )
        return HTML(string=html, base_url=r.base_url, url_fetcher=r.fetcher(memory)).write_pdf(
            stylesheets=[css], font_config=new_fonts
        )

    svg_page = html
    for n, ticket in enumerate(booking.tickets, start=1):
        svg = f'<div class="qr">{qr_svg(ticket_url(ticket), "QR")}</div>'
        start = svg_page.index(f'<img class="qr" src="memory:qr-{n}.png"')
        svg_page = svg_page[:start] + svg + svg_page[svg_page.index(">", start) + 1 :]
    dejavu = CSS(
        string=css_text + 'html { font-family: "DejaVu Sans", sans-serif; }',
        base_url=css_base,
        url_fetcher=r.fetcher(),
        font_config=fonts,
    )
    variants = {
        "as shipped (WeasyPrint part only)": ours,
        "new font configuration per document": fresh_fonts,
        "QR code as SVG instead of PNG": lambda: ours(page=svg_page),
        "DejaVu Sans instead of Titillium Web": lambda: ours(css=dejavu),
    }
    return measure(variants, rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--explain", action="store_true", help="what each choice is worth")
    parser.add_argument("--out", help="write the measured PDFs into this folder")
    parser.add_argument("--smoke", action="store_true", help="2 rounds: that it runs (make test)")
    args = parser.parse_args()
    if args.smoke:
        args.rounds = 2

    folder = Path(tempfile.mkdtemp(prefix="centrale-bench-pdf-"))
    os.environ.setdefault("CENTRALE_INSTANCE_PATH", str(folder / "instance"))
    from flask_migrate import upgrade
    from weasyprint import HTML
    from weasyprint import __version__ as weasyprint_version

    from centrale_booking import create_app
    from centrale_booking.documents.pdf import confirmation_pdf, render_confirmation
    from centrale_booking.documents.qr import qr_svg
    from centrale_booking.links import ticket_url

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
            "SECRET_KEY": "bench",
            "LOG_REQUESTS": False,
            "RATELIMIT_ENABLED": False,
            "BASE_URL": "https://prenota.centraledellacqua.example",
        }
    )
    with app.app_context():
        upgrade()
        one, thirty = make_bookings()
        bare = bare_html(qr_svg, ticket_url(one.tickets[0]))
        cpu: dict[str, list[float]] = {}
        times = measure(
            {
                "bare": lambda: HTML(string=bare).write_pdf(),
                "confirmation": lambda: render_confirmation(one),
                "30 tickets": lambda: render_confirmation(thirty),
            },
            args.rounds,
            cpu,
        )
        files = {
            "bare": HTML(string=bare).write_pdf(),
            "confirmation": render_confirmation(one),
            "30 tickets": render_confirmation(thirty),
        }
        confirmation_pdf(one)  # kept now; what follows serves it
        route = f"/prenotazione/{one.reference}/{one.manage_token}/conferma.pdf"
        client = app.test_client()
        has_route = client.get(route).status_code == 200
        if has_route:
            how = f"GET {route.replace(one.manage_token, '<token>')} (Flask test client)"
            times["serve"] = measure({"serve": lambda: client.get(route).data}, args.rounds * 5)[
                "serve"
            ]
        else:
            how = "confirmation_pdf(booking) on a kept booking (no conferma.pdf route yet)"
            times["serve"] = measure({"serve": lambda: confirmation_pdf(one)}, args.rounds * 5)[
                "serve"
            ]
        files["serve"] = confirmation_pdf(one)
        explained = explain_variants(one, args.rounds) if args.explain else None

    print(f"WeasyPrint {weasyprint_version}, {args.rounds} rounds, times in ms")
    print(f"{'':14} {'median':>8} {'p95':>8} {'cpu med':>8} {'size':>9}")
    for name in ("bare", "confirmation", "30 tickets", "serve"):
        samples = times[name]
        cpu_median = f"{statistics.median(cpu[name]):8.2f}" if name in cpu else f"{'':8}"
        print(
            f"{name:14} {statistics.median(samples):8.2f} {p95(samples):8.2f} {cpu_median}"
            f" {len(files[name]):>8,}B"
        )
    ratio = statistics.median(times["confirmation"]) / statistics.median(times["bare"])
    cpu_ratio = statistics.median(cpu["confirmation"]) / statistics.median(cpu["bare"])
    serve = statistics.median(times["serve"])
    print(
        f"confirmation / bare = {ratio:.2f} wall clock, {cpu_ratio:.2f} CPU time"
        f" (target < {TARGET_RATIO}: {'met' if ratio < TARGET_RATIO else 'NOT met'})"
    )
    print(
        f"serve median {serve:.2f} ms (target < {TARGET_SERVE_MS} ms:"
        f" {'met' if serve < TARGET_SERVE_MS else 'NOT met'}), measured as {how}"
    )
    if explained:
        print("\nWhat each choice is worth (the confirmation's WeasyPrint part, median ms):")
        for name, samples in explained.items():
            print(f"  {name:38} {statistics.median(samples):7.2f}")
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (out / f"{name.replace(' ', '-')}.pdf").write_bytes(content)
        print(f"PDFs written to {out}")


if __name__ == "__main__":
    main()
