"""Emails: what each one says, in Italian and English, and the outbox that delivers them: once
each, whatever the number of workers, later if the mail server is away, never for a change
that was rolled back. A real SMTP server (aiosmtpd) runs inside the test process."""

from __future__ import annotations

import asyncio
import importlib.util
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from datetime import timedelta
from email import message_from_bytes, policy
from html import unescape

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import func, select

from centrale_booking.booking.changes import cancel_slot, tell_slot_changed
from centrale_booking.booking.engine import (
    Contact,
    cancel_booking,
    expire_holds,
    request_booking,
)
from centrale_booking.booking.models import Booking, WaitlistMode
from centrale_booking.booking.states import BookingStatus
from centrale_booking.campus.models import Season
from centrale_booking.extensions import db, transaction, utcnow
from centrale_booking.outbox import queue_email
from centrale_booking.outbox.models import OutboxMessage, OutboxStatus
from centrale_booking.outbox.transports import FileTransport
from centrale_booking.outbox.worker import (
    backoff,
    claim_next,
    deliver_due,
    release_claims,
    start_thread,
)
from tests.factories import a_contact, make_campus, make_event, make_slot

S, Q = BookingStatus, OutboxStatus


def _ready(*modules: str) -> bool:
    return all(
        importlib.util.find_spec(f"centrale_booking.documents.{name}") is not None
        for name in modules
    )


QR_READY = _ready("qr")
DOCUMENTS_READY = _ready("pdf", "calendar", "qr")
needs_documents = pytest.mark.skipif(
    not DOCUMENTS_READY, reason="waits for documents/pdf.py, calendar.py and qr.py"
)
needs_qr = pytest.mark.skipif(not QR_READY, reason="waits for documents/qr.py")


# --- a real SMTP server -------------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self):
        self.messages = []
        self.refused_recipients: set[str] = set()
        self.delay = 0.0  # seconds per message: lets two workers overlap
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused_recipients:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        # A subject that fits on one line by itself is folded before its first word by
        # Python's email package ("Subject:\r\n Date …"); mail programs drop the space.
        subject = message["Subject"]
        del message["Subject"]
        message["Subject"] = subject.strip()
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]


class SMTPServer:
    def __init__(self):
        self.inbox = Inbox()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._controller = None

    def start(self, **options) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **options)
        self._controller.start()

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp(app):
    """A running SMTP server, and the app set to send through it."""
    server = SMTPServer()
    server.start()
    app.config.update(
        MAIL_TRANSPORT="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TIMEOUT=5
    )
    yield server
    server.stop()


# --- bookings, and the messages they queue --------------------------------------------------


def slot(capacity=10, **programme):
    now = utcnow()
    return make_slot(
        capacity=capacity, programme=make_event(**programme), starts_at=now + timedelta(days=7)
    )


def book(on, quantity=1, *, language="it", confirm=True, now=None) -> Booking:
    with transaction():
        return request_booking(
            on, quantity, a_contact(language=language), now=now or utcnow(), confirm=confirm
        )


def waitlisted(language="it") -> Booking:
    """A booking whose only email is "waitlisted": no document needed to build it."""
    return book(slot(capacity=0), language=language)


def messages(kind=None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query.execution_options(populate_existing=True)))


def later(**delta):
    return utcnow() + timedelta(**delta)


# --- what each email says -------------------------------------------------------------------


@needs_documents
def test_confirmed_booking_email_arrives_with_pdf_ics_and_qr(smtp):
    booking = book(slot(), 2, language="it")

    report = deliver_due(now=utcnow())

    assert report.sent == [messages("confirmation")[0].id]
    (email,) = smtp.inbox.to(booking.contact_email)
    assert email["Subject"].startswith("Prenotazione confermata: ")
    assert booking.reference in email["Subject"]
    attachments = {part.get_content_type(): part for part in email.iter_attachments()}
    assert attachments.keys() == {"application/pdf", "text/calendar"}
    assert attachments["application/pdf"].get_content().startswith(b"%PDF")
    assert attachments["application/pdf"].get_filename() == f"{booking.reference}.pdf"
    assert b"BEGIN:VCALENDAR" in attachments["text/calendar"].get_content().encode()
    # the QR code is inside the email, not fetched from anywhere
    html = email.get_body(("html",))
    qr = [part for part in email.walk() if part.get_content_type() == "image/png"]
    assert len(qr) == len(booking.tickets) == 1
    assert f'src="cid:{qr[0]["Content-ID"].strip("<>")}"' in html.get_content()
    assert qr[0].get_content_disposition() == "inline"
    assert messages()[0].status is Q.sent


@needs_qr
def test_reminder_shows_each_childs_qr_code_inline(smtp):
    campus = make_campus(  # the model's own waiting list and cancelling deadline
        slug="estate",
        title_it="Campus estivo",
        title_en="Summer campus",
        season=Season.summer,
        waitlist_mode=WaitlistMode.confirm,
        cancel_deadline_hours=0,
    )
    week = make_slot(programme=campus, starts_at=later(days=3))
    booking = book(week, 2, language="it")
    with transaction():
        queue_email(booking, "reminder")

    deliver_due(now=utcnow())

    (email,) = [m for m in smtp.inbox.to(booking.contact_email) if "Promemoria" in m["Subject"]]
    html = email.get_body(("html",)).get_content()
    images = [part for part in email.walk() if part.get_content_type() == "image/png"]
    assert len(images) == len(booking.tickets) == 2
    for image, ticket in zip(images, booking.tickets, strict=True):
        assert image.get_content_disposition() == "inline"
        assert image.get_content().startswith(b"\x89PNG")
        assert f'src="cid:{image["Content-ID"].strip("<>")}"' in html
        assert ticket.code in html
    assert "http" not in " ".join(re.findall(r"<img[^>]*>", html))  # nothing remote
    assert "Ogni bambino o bambina ha un solo codice QR" in email.get_body(("plain",)).get_content()
    assert "2 bambini" in html


def _confirmation(language):
    return book(slot(), language=language)


def _waitlisted(language):
    return waitlisted(language)


def _offer(language):
    full = slot(capacity=1, waitlist_mode=WaitlistMode.offer)
    first = book(full)
    waiting = book(full, language=language)
    with transaction():
        cancel_booking(first, now=utcnow())
    return waiting


def _reminder(language):
    booking = book(slot(), language=language)
    with transaction():
        queue_email(booking, "reminder")
    return booking


def _cancellation(language):
    booking = book(slot(capacity=0), language=language)  # waitlisted: no confirmation sent
    with transaction():
        cancel_booking(booking, now=utcnow())
    return booking


def _slot_cancelled(language):
    booking = book(slot(), language=language)
    with transaction():
        cancel_slot(booking.slot, now=utcnow())
    return booking


def _expired(language):
    booking = book(slot(), language=language, confirm=False)
    with transaction():
        expire_holds(now=later(hours=1))
    return booking


def _promoted(language):
    full = slot(capacity=1)
    first = book(full)
    waiting = book(full, language=language)
    with transaction():
        cancel_booking(first, now=utcnow())
    return waiting


def _waitlist_skipped(language):
    full = slot(capacity=2)
    first = book(full)
    book(full)
    big = book(full, 2, language=language)
    book(full)  # smaller, behind it: takes the one place that frees
    with transaction():
        cancel_booking(first, now=utcnow())
    return big


def _slot_changed(language):
    booking = book(slot(), language=language)
    was = booking.slot.starts_at
    with transaction():
        booking.slot.starts_at = was + timedelta(hours=1)
        booking.slot.ends_at = booking.slot.ends_at + timedelta(hours=1)
        tell_slot_changed(booking.slot, was_starts_at=was, was_ends_at=was + timedelta(hours=2))
    return booking


def _staff_message(language):
    booking = book(slot(), language=language)
    texts = {"it": "Ingresso da via Cenisio", "en": "Entrance from via Cenisio"}
    with transaction():
        queue_email(booking, "staff_message", subject=texts, body=texts)
    return booking


# kind: (how to get one, (Italian subject start, a line), (English subject start, a line))
KINDS = {
    "confirmation": (
        _confirmation,
        ("Prenotazione confermata: ", "Mostra il codice QR all'ingresso"),
        ("Booking confirmed: ", "Show the QR code at the entrance"),
    ),
    "waitlisted": (
        _waitlisted,
        ("Lista d'attesa: ", "Non è ancora una prenotazione: non presentarti senza una conferma."),
        ("Waiting list: ", "It is not a booking yet: please do not come without a confirmation."),
    ),
    "offer": (
        _offer,
        ("Posti liberi per ", "Si sono liberati dei posti e li teniamo per te fino a "),
        ("Places available for ", "Places have freed up and we are holding them for you until "),
    ),
    "reminder": (
        _reminder,
        ("Promemoria: ", "Ti ricordiamo la tua prenotazione"),
        ("Reminder: ", "A reminder of your booking"),
    ),
    "cancellation": (
        _cancellation,
        ("Prenotazione annullata: ", "La tua prenotazione è stata annullata."),
        ("Booking cancelled: ", "Your booking has been cancelled."),
    ),
    "slot_cancelled": (
        _slot_cancelled,
        ("Data annullata dal museo: ", "Ci dispiace: il museo ha dovuto annullare questa data"),
        ("Date cancelled by the museum: ", "We are sorry: the museum has had to cancel this date"),
    ),
    "promoted": (
        _promoted,
        ("Buone notizie, si è liberato un posto: ", "ora è una prenotazione confermata"),
        ("Good news, a place freed up: ", "is now a confirmed booking"),
    ),
    "waitlist_skipped": (
        _waitlist_skipped,
        ("Lista d'attesa, la tua richiesta resta in testa: ", "è la numero 1 nella coda"),
        ("Waiting list, you are still next: ", "it is number 1 in the queue"),
    ),
    "slot_changed": (
        _slot_changed,
        ("Nuova data o nuovo orario: ", "Prima era: "),
        ("New date or time: ", "Before, it was: "),
    ),
    "staff_message": (
        _staff_message,
        ("Ingresso da via Cenisio: ", "Un messaggio dal museo"),
        ("Entrance from via Cenisio: ", "A message from the museum"),
    ),
    "expired": (
        _expired,
        ("Prenotazione scaduta: ", "La prenotazione non è stata completata in tempo"),
        ("Booking expired: ", "The booking was not completed in time"),
    ),
}


@pytest.mark.parametrize("language", ["it", "en"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_each_email_speaks_the_language_of_its_booking(smtp, kind, language):
    make, italian, english = KINDS[kind]
    if kind in ("confirmation", "promoted", "slot_changed") and not DOCUMENTS_READY:
        pytest.skip("waits for documents/pdf.py, calendar.py and qr.py")
    if kind == "reminder" and not QR_READY:
        pytest.skip("waits for documents/qr.py")
    booking = make(language)

    deliver_due(now=utcnow())

    received = {m["Subject"]: m for m in smtp.inbox.to(booking.contact_email)}
    subject_start, line = italian if language == "it" else english
    (subject,) = [s for s in received if s.startswith(subject_start)]
    email = received[subject]
    assert booking.reference in subject
    assert email["Content-Language"] == language
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert line in text
    assert line in unescape(html)
    if kind in ("cancellation", "slot_cancelled", "expired"):
        assert "http://booking.test/" in text  # where to book again
    else:
        assert booking.manage_token in text  # the way to see, confirm, change or cancel it
    assert f'<html lang="{language}"' in html


def test_offer_email_gives_the_deadline_in_the_museum_time_zone(smtp):
    booking = _offer("it")
    deadline = booking.offer_expires_at

    deliver_due(now=utcnow())

    (email,) = [m for m in smtp.inbox.to(booking.contact_email) if "Posti liberi" in m["Subject"]]
    from centrale_booking.clock import clock_time, day

    assert f"{day(deadline, 'it')}, {clock_time(deadline, 'it')}" in email["Subject"]


def test_offer_that_lapsed_before_it_could_be_sent_is_not_sent(smtp):
    booking = _offer("en")
    with transaction():
        expire_holds(now=later(days=2))

    report = deliver_due(now=later(days=2))

    (offer,) = messages("offer")
    assert offer.status is Q.skipped and offer.id in report.skipped
    subjects = [m["Subject"] for m in smtp.inbox.to(booking.contact_email)]
    assert not [s for s in subjects if s.startswith("Places available")]
    assert [s for s in subjects if s.startswith("Booking expired")]


def test_confirmation_of_a_booking_cancelled_before_it_was_sent_is_not_sent(smtp):
    booking = book(slot(), language="en")
    with transaction():
        cancel_booking(booking, now=utcnow())

    report = deliver_due(now=utcnow())

    confirmation, cancellation = messages()
    assert report.skipped == [confirmation.id] and report.sent == [cancellation.id]
    (email,) = smtp.inbox.to(booking.contact_email)
    assert email["Subject"].startswith("Booking cancelled: ")


# --- delivery -------------------------------------------------------------------------------


def test_with_the_server_down_the_booking_succeeds_and_its_email_arrives_later(smtp):
    smtp.stop()
    booking = waitlisted()
    assert db.session.get(Booking, booking.id).status is S.waitlisted  # committed
    t0 = utcnow()

    report = deliver_due(now=t0)

    (message,) = messages()
    assert report.retrying == [message.id]
    assert message.status is Q.queued and message.attempts == 1
    assert message.next_attempt_at == t0 + backoff(1) == t0 + timedelta(seconds=60)
    assert "cannot reach" in message.last_error
    assert message.claimed_until is None

    smtp.start()
    assert deliver_due(now=t0 + timedelta(seconds=59)).handled == 0  # not due yet
    report = deliver_due(now=t0 + timedelta(seconds=61))

    assert report.sent == [message.id]
    (message,) = messages()
    assert message.status is Q.sent and message.attempts == 2 and message.last_error == ""
    assert len(smtp.inbox.to(booking.contact_email)) == 1


def test_backoff_doubles_up_to_its_ceiling(app):
    app.config.update(OUTBOX_BACKOFF_SECONDS=60, OUTBOX_BACKOFF_MAX_SECONDS=3600)
    waits = [backoff(n).total_seconds() for n in range(1, 9)]
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_message_past_the_last_attempt_is_marked_failed(smtp, app):
    app.config.update(OUTBOX_MAX_ATTEMPTS=3, OUTBOX_BACKOFF_SECONDS=10)
    smtp.stop()
    waitlisted()
    moment = utcnow()
    for attempt in range(1, 4):
        deliver_due(now=moment)
        (message,) = messages()
        assert message.attempts == attempt
        moment = message.next_attempt_at

    assert message.status is Q.failed
    assert "cannot reach" in message.last_error
    smtp.start()
    assert deliver_due(now=later(days=1)).handled == 0  # given up: never sent
    assert smtp.inbox.messages == []


def test_recipient_refused_for_good_fails_at_once_and_the_next_message_goes(smtp):
    refused, accepted = waitlisted(), waitlisted()
    smtp.inbox.refused_recipients.add(refused.contact_email)

    report = deliver_due(now=utcnow())

    first, second = messages()
    assert report.failed == [first.id] and report.sent == [second.id]
    assert first.status is Q.failed and first.attempts == 1 and "550" in first.last_error
    assert len(smtp.inbox.to(accepted.contact_email)) == 1


def test_two_workers_at_once_deliver_each_message_exactly_once(smtp, app):
    bookings = [waitlisted() for _ in range(20)]
    smtp.inbox.delay = 0.005  # both workers are sending at the same time
    start = threading.Barrier(2)
    reports, errors = {}, []

    def work(name):
        try:
            with app.app_context():
                start.wait()
                reports[name] = deliver_due(now=utcnow(), worker=name)
        except Exception as exc:  # reported below; a thread's exception is otherwise lost
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in (1, 2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=60)

    assert errors == []
    sent = reports["worker-1"].sent + reports["worker-2"].sent
    assert sorted(sent) == [m.id for m in messages()]  # each once, none left
    assert len(smtp.inbox.messages) == 20
    assert len({m["Message-ID"] for m in smtp.inbox.messages}) == 20
    for booking in bookings:
        assert len(smtp.inbox.to(booking.contact_email)) == 1
    assert {m.status for m in messages()} == {Q.sent}


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1: (certificate file, key file)."""
    openssl = shutil.which("openssl")
    if not openssl:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(  # noqa: S603 (fixed arguments)
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.parametrize("tls", ["starttls", "ssl"])
def test_smtp_over_tls_with_login(app, certificate, tls):
    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    logins = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret-pass", handled=False)

    server = SMTPServer()
    if tls == "starttls":  # AUTH is offered only once the session is encrypted
        server.start(
            tls_context=server_tls,
            require_starttls=True,
            authenticator=authenticate,
            auth_require_tls=True,
        )
    else:  # TLS from the first byte (aiosmtpd only counts STARTTLS as "TLS" for AUTH)
        server.start(ssl_context=server_tls, authenticator=authenticate, auth_require_tls=False)
    app.config.update(
        MAIL_TRANSPORT="smtp",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=server.port,
        SMTP_STARTTLS=tls == "starttls",
        SMTP_SSL=tls == "ssl",
        SMTP_USERNAME="centrale",
        SMTP_PASSWORD="wrong",
        SMTP_CA_FILE=str(cert),  # the server's certificate is checked, never waved through
    )
    try:
        waitlisted()
        t0 = utcnow()
        first = deliver_due(now=t0)
        error = messages()[0].last_error
        app.config["SMTP_PASSWORD"] = "s3cret-pass"
        second = deliver_due(now=t0 + backoff(1))
    finally:
        server.stop()

    assert len(first.retrying) == 1  # a refused login is a setting to fix: tried again
    assert "refused the session" in error and "535" in error
    assert len(second.sent) == 1 and len(server.inbox.messages) == 1
    assert (b"centrale", b"wrong") in logins  # smtplib tries it once per mechanism
    assert logins[-1] == (b"centrale", b"s3cret-pass")


def test_a_claimed_message_waits_for_its_lease_then_another_worker_takes_it(smtp, app):
    waitlisted()
    t0 = utcnow()
    assert claim_next("a worker that dies", now=t0) is not None

    assert deliver_due(now=t0 + timedelta(seconds=1)).handled == 0
    lease = timedelta(seconds=app.config["OUTBOX_LEASE_SECONDS"])
    report = deliver_due(now=t0 + lease + timedelta(seconds=1), worker="another")

    assert len(report.sent) == 1 and len(smtp.inbox.messages) == 1
    assert messages()[0].claimed_by == "another"


def test_a_booking_rolled_back_leaves_no_message(smtp):
    full = slot(capacity=0)
    with pytest.raises(RuntimeError), transaction():
        request_booking(full, 1, a_contact(), now=utcnow())
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
        raise RuntimeError("something after the booking failed")

    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert deliver_due(now=utcnow()).handled == 0
    assert smtp.inbox.messages == []


def test_file_transport_writes_a_readable_eml(app, tmp_path):
    app.config.update(MAIL_TRANSPORT="file", MAIL_FILE_DIR=str(tmp_path))
    booking = waitlisted(language="en")

    deliver_due(now=utcnow())

    (path,) = tmp_path.iterdir()  # and no half-written file beside it
    assert path.suffix == ".eml"
    email = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert email["To"] == f"{booking.contact_name} <{booking.contact_email}>"
    assert email["Subject"].strip().startswith("Waiting list: ")  # see Inbox.handle_DATA
    assert booking.reference in email.get_body(("plain",)).get_content()
    assert "<h1" in email.get_body(("html",)).get_content()
    assert messages()[0].status is Q.sent


def test_send_mail_command_delivers_what_is_due(smtp, runner):
    waitlisted()
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output
    assert len(smtp.inbox.messages) == 1


def test_the_background_thread_delivers(smtp, app):
    app.config["OUTBOX_POLL_SECONDS"] = 0.05
    booking = waitlisted()
    thread = start_thread(app)
    try:
        deadline = time.monotonic() + 10
        while not smtp.inbox.to(booking.contact_email) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        thread.stop(timeout=10)
    assert not thread.is_alive()
    assert len(smtp.inbox.to(booking.contact_email)) == 1


def test_no_thread_unless_configured(app):
    assert "outbox_thread" not in app.extensions
    assert not [t for t in threading.enumerate() if t.name == "outbox"]


@pytest.mark.parametrize("app_config", [{"OUTBOX_MAX_PER_RECIPIENT_PER_HOUR": 2}])
def test_no_address_gets_more_than_its_emails_per_hour_the_rest_wait(smtp, app):
    event = make_event()
    slots = [make_slot(programme=event, starts_at=later(days=d)) for d in (3, 4, 5)]
    victim = a_contact()
    for n, on in enumerate(slots):
        email = victim.email.upper() if n == 2 else victim.email  # any case: one address
        with transaction():
            request_booking(on, 1, Contact(victim.name, email), now=utcnow(), confirm=False)
    assert messages() == []  # pending holds send nothing
    for booking in db.session.scalars(select(Booking).order_by(Booking.id)).all():
        with transaction():
            queue_email(booking, "link_again")
    t0 = later(seconds=1)
    report = deliver_due(now=t0)
    assert (len(report.sent), len(report.deferred)) == (2, 1)
    assert len(smtp.inbox.messages) == 2
    [waiting] = messages("link_again")[2:]
    assert waiting.status is Q.queued and waiting.next_attempt_at > t0 + timedelta(minutes=59)
    assert deliver_due(now=t0 + timedelta(minutes=30)).handled == 0
    assert len(deliver_due(now=t0 + timedelta(hours=1, seconds=1)).sent) == 1
    assert len(smtp.inbox.messages) == 3


class StoppedMidSend(FileTransport):
    """A transport whose process is stopped while it sends (Ctrl-C, SystemExit)."""

    def send(self, message, *, name):
        raise KeyboardInterrupt


def test_a_worker_stopped_mid_send_gives_its_claim_back_at_once(smtp, app, tmp_path):
    waitlisted()
    with pytest.raises(KeyboardInterrupt):
        deliver_due(worker="stopping", transport=StoppedMidSend(tmp_path))
    [message] = messages()
    assert message.status is Q.queued and message.claimed_until is None
    report = deliver_due(worker="another")  # not OUTBOX_LEASE_SECONDS later: now
    assert len(report.sent) == 1 and len(smtp.inbox.messages) == 1


def test_release_claims_gives_back_only_the_workers_own(app):
    waitlisted()
    waitlisted()
    t0 = utcnow()
    first, second = claim_next("a", now=t0), claim_next("b", now=t0)
    assert release_claims("a") == 1
    assert claim_next("c", now=t0) == first  # due again
    assert claim_next("d", now=t0) is None  # b's is still b's
    assert {m.id: m.claimed_by for m in messages()} == {first: "c", second: "b"}


# --- The emails that did not leave, for administrators ---------------------------------


def test_an_email_that_cannot_be_built_fails_at_once_and_an_admin_sends_it_again(smtp, client):
    from centrale_booking.auth.models import AuditLog, Role
    from tests.helpers import EN, sign_in

    booking = waitlisted()
    (message,) = messages()
    with transaction():  # a template the code no longer has: building it can only fail
        db.session.get(OutboxMessage, message.id).kind = "no_such_kind"
    report = deliver_due(now=utcnow())
    (message,) = messages()
    assert report.failed == [message.id] and message.attempts == 1  # not tried ten times
    assert message.status is Q.failed and "could not build the email" in message.last_error

    sign_in(client, Role.admin)
    page = client.get("/staff/email/", headers=EN).get_data(as_text=True)
    assert booking.contact_email in page and "could not build the email" in page
    assert "1 email could not be sent." in client.get("/staff/", headers=EN).get_data(as_text=True)

    with transaction():  # the cause fixed
        db.session.get(OutboxMessage, message.id).kind = "waitlisted"
    again = client.post(f"/staff/email/{message.id}/di-nuovo", headers=EN, follow_redirects=True)
    assert f"The email to {booking.contact_email} is in the queue again." in again.get_data(
        as_text=True
    )
    (message,) = messages()
    assert message.status is Q.queued and message.attempts == 0 and message.last_error == ""
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "email_sent_again"))
    assert [entry.target for entry in audit] == [f"email:{message.id}"]
    assert deliver_due(now=utcnow()).sent == [message.id]
    assert len(smtp.inbox.to(booking.contact_email)) == 1
    assert "Every email has left" in client.get("/staff/email/", headers=EN).get_data(as_text=True)


def test_an_email_sent_already_is_not_queued_again(smtp, client):
    from centrale_booking.auth.models import Role
    from tests.helpers import sign_in

    waitlisted()
    deliver_due(now=utcnow())
    (message,) = messages()
    sign_in(client, Role.admin)
    client.post(f"/staff/email/{message.id}/di-nuovo")
    assert messages()[0].status is Q.sent
    assert len(smtp.inbox.messages) == 1
