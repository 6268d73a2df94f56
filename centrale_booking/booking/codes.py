"""Random codes: booking references for people, tokens and ticket codes for machines."""

import secrets

# No look-alikes: no 0/O, no 1/I/L, so a reference survives being read over the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 6  # 31**6: about 887 million


def new_reference(prefix: str) -> str:
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"{prefix}-{body}"


def new_ticket_code() -> str:
    return secrets.token_urlsafe(16)  # 128 random bits, URL-safe


def new_manage_token() -> str:
    return secrets.token_urlsafe(24)  # 192 random bits


def tokens_match(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode(), expected.encode())
