"""Random codes: booking references for people, tokens and ticket codes for machines."""

import secrets

# No look-alikes: no 0/O, no 1/I/L, so a reference survives being read over the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 6  # 31**6: about 887 million


def new_reference(prefix: str) -> str:
    # One draw for all six characters (uniform over the 31**6 references), read in base 31.
    n = secrets.randbelow(len(REFERENCE_ALPHABET) ** REFERENCE_LENGTH)
    body = []
    for _ in range(REFERENCE_LENGTH):
        n, digit = divmod(n, len(REFERENCE_ALPHABET))
        body.append(REFERENCE_ALPHABET[digit])
    return f"{prefix}-{''.join(body)}"


def new_ticket_code() -> str:
    return secrets.token_urlsafe(16)  # 128 random bits, URL-safe


def new_manage_token() -> str:
    return secrets.token_urlsafe(24)  # 192 random bits


def tokens_match(given: str, expected: str) -> bool:
    return secrets.compare_digest(given.encode(), expected.encode())
