"""How a built email leaves: as an .eml file in instance/mail/ (the default, so a fresh
`make run` works with no mail server) or through an SMTP server (smtplib).

A transport is used as a context manager for one run of the worker: the SMTP one keeps its
connection open for the messages of that run and closes it at the end."""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from flask import current_app


class DeliveryError(Exception):
    """The message was not delivered. `permanent`: trying again cannot help (the server
    refused the recipient for good); otherwise the worker tries again later."""

    def __init__(self, message: str, *, permanent: bool = False, unreachable: bool = False):
        super().__init__(message)
        self.permanent = permanent
        # the server could not be reached at all: the next messages would fail the same way
        self.unreachable = unreachable


class Transport:
    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send(self, message: EmailMessage, *, name: str) -> None:
        """Deliver `message`; `name` identifies it in files and logs (outbox id and kind)."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class FileTransport(Transport):
    """Writes each message as an .eml file (opens in any mail program)."""

    def __init__(self, directory: Path):
        self.directory = directory

    def send(self, message: EmailMessage, *, name: str) -> None:
        # Private: each message holds a manage link, which cancels the booking.
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.directory / f"{name}.eml"
        # Written aside, then renamed: a reader never sees half a message.
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(message.as_bytes())
        draft.replace(path)


class SMTPTransport(Transport):
    def __init__(
        self,
        host: str,
        port: int,
        *,
        starttls: bool = False,
        use_ssl: bool = False,
        username: str = "",
        password: str = "",
        timeout: float = 20,
        ca_file: str = "",
    ):
        if starttls and use_ssl:
            raise ValueError("SMTP_STARTTLS and SMTP_SSL exclude each other: pick one")
        self.host, self.port = host, port
        self.starttls, self.use_ssl = starttls, use_ssl
        self.username, self.password = username, password
        self.timeout = timeout
        self.ca_file = ca_file
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        # The server's certificate is always checked: against the system's authorities, or
        # SMTP_CA_FILE for a relay with a private one.
        context = ssl.create_default_context(cafile=self.ca_file or None)
        try:
            if self.use_ssl:
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(
                f"cannot reach SMTP server {self.host}:{self.port}: {exc}", unreachable=True
            ) from exc
        try:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password)
        except (OSError, smtplib.SMTPException) as exc:
            _quietly_close(smtp)
            raise DeliveryError(
                f"SMTP server {self.host}:{self.port} refused the session: {exc}",
                unreachable=True,
            ) from exc
        return smtp

    def send(self, message: EmailMessage, *, name: str) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(
                f"recipient refused: {_describe(exc.recipients)}",
                permanent=_all_permanent(exc.recipients),
            ) from exc
        except smtplib.SMTPDataError as exc:
            # the server read the message and refused it: 5xx for good (too big, spam)
            raise DeliveryError(
                f"message refused: {exc.smtp_code} {_text(exc.smtp_error)}",
                permanent=exc.smtp_code >= 500,
            ) from exc
        except smtplib.SMTPResponseException as exc:
            # MAIL_FROM refused, or a reply out of turn: a setting to fix, not this message's
            # fault, so it is tried again later
            self.close()  # the session may be in any state now: start a new one next time
            raise DeliveryError(
                f"SMTP error {exc.smtp_code}: {_text(exc.smtp_error)}", unreachable=True
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise DeliveryError(f"SMTP connection lost: {exc}") from exc
        if refused:  # some recipients only; we send to one, so this is unusual
            raise DeliveryError(
                f"recipient refused: {_describe(refused)}", permanent=_all_permanent(refused)
            )

    def close(self) -> None:
        if self._smtp is not None:
            smtp, self._smtp = self._smtp, None
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                _quietly_close(smtp)


def transport_from_config(config=None) -> Transport:
    config = config or current_app.config
    kind = config["MAIL_TRANSPORT"]
    if kind == "file":
        directory = config["MAIL_FILE_DIR"] or Path(current_app.instance_path) / "mail"
        return FileTransport(Path(directory))
    if kind == "smtp":
        return SMTPTransport(
            config["SMTP_HOST"],
            int(config["SMTP_PORT"]),
            starttls=bool(config["SMTP_STARTTLS"]),
            use_ssl=bool(config["SMTP_SSL"]),
            username=config["SMTP_USERNAME"],
            password=config["SMTP_PASSWORD"],
            timeout=float(config["SMTP_TIMEOUT"]),
            ca_file=config["SMTP_CA_FILE"],
        )
    raise ValueError(f'MAIL_TRANSPORT must be "file" or "smtp", not {kind!r}')


def _quietly_close(smtp: smtplib.SMTP) -> None:
    # Closing a connection that already failed: its own error says nothing new.
    try:
        smtp.close()
    except OSError:
        current_app.logger.debug("closing a failed SMTP connection failed too")


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _describe(recipients: dict) -> str:
    return "; ".join(f"{to} ({code} {_text(reply)})" for to, (code, reply) in recipients.items())


def _all_permanent(recipients: dict) -> bool:
    return all(code >= 500 for code, _reply in recipients.values())
