"""The outbox worker: delivers each queued message that is due, once, whatever the number of
workers (`flask send-mail`, `flask send-mail --loop`, a thread in each web process).

A worker claims one message at a time with a lease (claimed_by, claimed_until) in a short
writing transaction of its own, then builds and sends it with no transaction open, then
records the result in another short transaction:

- the claim is a single conditional UPDATE. On PostgreSQL its subquery picks the row with
  SELECT … FOR UPDATE SKIP LOCKED, so two workers never wait for nor take the same row; on
  SQLite the writing transaction (BEGIN IMMEDIATE, see database.py) lets one writer in at a
  time, so the UPDATE's WHERE clause sees every earlier claim;
- a message whose lease runs out (its worker died while sending) is claimed again: it may
  then be sent twice, never lost. The lease is far longer than a send (SMTP_TIMEOUT);
- a failure is tried again after OUTBOX_BACKOFF_SECONDS, doubled at each attempt (at most
  OUTBOX_BACKOFF_MAX_SECONDS), until OUTBOX_MAX_ATTEMPTS, then the message is marked failed;
  a refusal that cannot change (the recipient does not exist) fails it at once;
- no address gets more than OUTBOX_MAX_PER_RECIPIENT_PER_HOUR emails in an hour: one more
  waits (deferred, never dropped) until the oldest of them is an hour old, so that nobody can
  flood someone else's inbox by typing their address into the booking form.

The time is passed in (`now`), as in the engine: tests move it instead of sleeping."""

from __future__ import annotations

import atexit
import os
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import exists, func, or_, select, update

from ..extensions import db, transaction, utcnow
from .models import OutboxMessage, OutboxStatus
from .transports import DeliveryError, Transport, transport_from_config

Q = OutboxStatus


@dataclass
class DeliveryReport:
    """What one run did, by message id."""

    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)  # failed this time, tried again later
    failed: list[int] = field(default_factory=list)  # given up
    skipped: list[int] = field(default_factory=list)  # out of date, not sent
    deferred: list[int] = field(default_factory=list)  # the recipient had enough this hour

    @property
    def handled(self) -> int:
        return (
            len(self.sent)
            + len(self.retrying)
            + len(self.failed)
            + len(self.skipped)
            + len(self.deferred)
        )

    def __str__(self) -> str:
        return (
            f"{len(self.sent)} sent, {len(self.retrying)} to retry, "
            f"{len(self.failed)} failed, {len(self.skipped)} skipped, "
            f"{len(self.deferred)} deferred"
        )


def worker_name() -> str:
    """Who holds a claim, for the logs and the table: host, process and thread."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{threading.get_native_id()}"


def deliver_due(
    *,
    now: datetime | None = None,
    worker: str | None = None,
    transport: Transport | None = None,
    limit: int | None = None,
    stop: threading.Event | None = None,
) -> DeliveryReport:
    """Deliver the messages due at `now` (the clock, by default) until none is left, `limit`
    have been handled, the mail server is unreachable, or `stop` is set."""
    worker = worker or worker_name()
    report = DeliveryReport()
    if not _anything_due(now or utcnow()):  # a read: no write lock taken when idle
        return report
    with transport or transport_from_config() as transport:
        while limit is None or report.handled < limit:
            if stop is not None and stop.is_set():
                break
            moment = now or utcnow()
            message_id = claim_next(worker, now=moment)
            if message_id is None:
                break
            try:
                delivered = _deliver(message_id, worker, transport, moment, report)
            except BaseException:
                # Stopped mid-send (Ctrl-C, SystemExit, an error of ours): the message goes
                # back to the queue now, not when the lease runs out in OUTBOX_LEASE_SECONDS.
                release_claims(worker, message_id)
                raise
            if not delivered:
                break  # the server is unreachable: the other messages would fail the same way
    return report


def claim_next(worker: str, *, now: datetime) -> int | None:
    """Claim the next due message for `worker`: its id, or None when none is due."""
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    candidate = (
        select(OutboxMessage.id)
        .where(_due(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has no row locks, nor needs them
        .scalar_subquery()
    )
    with transaction():
        return db.session.scalar(
            update(OutboxMessage)
            .where(OutboxMessage.id == candidate, _due(now))
            .values(claimed_by=worker, claimed_until=now + lease)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )


def release_claims(worker: str, message_id: int | None = None) -> int:
    """Give back the claims `worker` still holds (on one message, or all): those messages are
    due again at once. Returns how many."""
    statement = update(OutboxMessage).where(
        OutboxMessage.claimed_by == worker, OutboxMessage.status == Q.queued
    )
    if message_id is not None:
        statement = statement.where(OutboxMessage.id == message_id)
    db.session.rollback()  # whatever the interrupted step left open
    with transaction():
        result = db.session.execute(
            statement.values(claimed_until=None).execution_options(synchronize_session=False)
        )
    return result.rowcount


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 1, 2, 4, 8 … times the base."""
    config = current_app.config
    seconds = config["OUTBOX_BACKOFF_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["OUTBOX_BACKOFF_MAX_SECONDS"]))


def run_forever(app: Flask, *, stop: threading.Event, worker: str | None = None) -> None:
    """Deliver what is due every OUTBOX_POLL_SECONDS until `stop` is set; used by the thread
    and by `flask send-mail --loop`. A run that fails (the database away) is logged and the
    next one tries again."""
    worker = worker or worker_name()
    interval = app.config["OUTBOX_POLL_SECONDS"]
    while not stop.is_set():
        # A new app context, so a new session, each run: nothing is kept from the last one.
        with app.app_context():
            try:
                report = deliver_due(worker=worker, stop=stop)
            except Exception:  # logged, then tried again at the next poll: the loop must live
                app.logger.exception("outbox: delivery run failed")
            else:
                if report.handled:
                    app.logger.info("outbox: %s", report)
        stop.wait(interval)


class OutboxThread(threading.Thread):
    """Delivers from a daemon thread of the web process (OUTBOX_THREAD)."""

    def __init__(self, app: Flask):
        super().__init__(name="outbox", daemon=True)
        self.app = app
        self.stopping = threading.Event()
        self.worker = None

    def run(self) -> None:
        self.worker = worker_name()
        run_forever(self.app, stop=self.stopping, worker=self.worker)

    def stop(self, timeout: float | None = None) -> None:
        """Stop after the message being sent, and wait for it; a claim still held after
        `timeout` (the send goes on, the process is leaving) is given back."""
        self.stopping.set()
        self.join(timeout)
        if self.is_alive() and self.worker is not None:
            with self.app.app_context():
                release_claims(self.worker)


def start_thread(app: Flask) -> OutboxThread:
    thread = OutboxThread(app)
    thread.start()
    # A web process stopped gracefully (gunicorn's SIGTERM) runs this before it exits.
    atexit.register(thread.stop, app.config["SMTP_TIMEOUT"])
    return thread


def _due(now: datetime):
    return (
        (OutboxMessage.status == Q.queued)
        & (OutboxMessage.next_attempt_at <= now)
        & or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now)
    )


def _anything_due(now: datetime) -> bool:
    due = db.session.scalar(select(exists().where(_due(now))))
    db.session.commit()  # end the read transaction: the claims start their own
    return bool(due)


def _deliver(
    message_id: int, worker: str, transport: Transport, now: datetime, report: DeliveryReport
) -> bool:
    """Build, send and record one claimed message. False when the server is unreachable."""
    from ..documents.emails import build_email, out_of_date

    log = current_app.logger
    db.session.expire_all()  # read the message and its booking as they are now
    message = db.session.get(OutboxMessage, message_id)
    if reason := out_of_date(message, now):
        _record(message_id, worker, attempted=False, status=Q.skipped, last_error=reason)
        log.info("outbox: #%s %s skipped: %s", message_id, message.kind, reason)
        report.skipped.append(message_id)
        return True
    if (free_at := _recipient_free_at(message, now)) is not None:
        _record(
            message_id,
            worker,
            attempted=False,
            next_attempt_at=free_at,
            last_error="deferred: enough emails to this address this hour",
        )
        log.info("outbox: #%s %s deferred to %s", message_id, message.kind, free_at)
        report.deferred.append(message_id)
        return True
    error = None
    try:
        email = build_email(message)
    except Exception as exc:  # a bug or a missing document: this message stops, not the others
        log.exception("outbox: #%s %s could not be built", message_id, message.kind)
        # Building again gives the same answer: failed at once, with its reason, for the
        # admins' list of emails (where they can send it again once the cause is fixed).
        error = DeliveryError(
            f"could not build the email: {type(exc).__name__}: {exc}", permanent=True
        )
    db.session.commit()  # no transaction stays open while the mail server answers
    if error is None:
        try:
            transport.send(email, name=f"{now:%Y%m%d-%H%M%S}-{message_id}-{message.kind}")
        except DeliveryError as exc:
            error = exc
    if error is None:
        _record(message_id, worker, status=Q.sent, sent_at=now, last_error="")
        log.info("outbox: #%s %s sent", message_id, message.kind)
        report.sent.append(message_id)
        return True

    attempts = message.attempts + 1
    if error.permanent or attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        _record(message_id, worker, status=Q.failed, last_error=str(error))
        log.error("outbox: #%s %s failed for good: %s", message_id, message.kind, error)
        report.failed.append(message_id)
    else:
        wait = backoff(attempts)
        _record(message_id, worker, next_attempt_at=now + wait, last_error=str(error))
        log.warning(
            "outbox: #%s %s attempt %s failed, next in %s: %s",
            message_id,
            message.kind,
            attempts,
            wait,
            error,
        )
        report.retrying.append(message_id)
    return not error.unreachable


def _recipient_free_at(message: OutboxMessage, now: datetime) -> datetime | None:
    """When the message's address may have one more email, if it has had its hour's
    worth already; None when it may have it now."""
    most = current_app.config["OUTBOX_MAX_PER_RECIPIENT_PER_HOUR"]
    hour = timedelta(hours=1)
    sent = db.session.scalars(
        select(OutboxMessage.sent_at)
        .where(
            func.lower(OutboxMessage.to_address) == message.to_address.lower(),
            OutboxMessage.status == Q.sent,
            OutboxMessage.sent_at > now - hour,
        )
        .order_by(OutboxMessage.sent_at.desc())
        .limit(most)
    ).all()
    if len(sent) < most:
        return None
    return sent[-1] + hour  # the oldest of the last `most`: when it leaves the hour


def _record(message_id: int, worker: str, *, attempted: bool = True, **values) -> None:
    """Count the attempt and release the claim, if this worker still holds it."""
    if attempted:
        values["attempts"] = OutboxMessage.attempts + 1
    with transaction():
        result = db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status == Q.queued,
                OutboxMessage.claimed_by == worker,
            )
            .values(claimed_until=None, **values)
            .execution_options(synchronize_session=False)
        )
    if result.rowcount != 1:
        current_app.logger.warning(
            "outbox: #%s: the claim of %s ran out before its result (%s) was recorded",
            message_id,
            worker,
            values.get("status", "retry"),
        )
