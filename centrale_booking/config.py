"""Defaults. Overridden, in this order, by instance/config.py, then CENTRALE_* environment
variables (CENTRALE_HOLD_MINUTES=20), then DATABASE_URL, then the overrides given to create_app."""

from datetime import timedelta


class Defaults:
    # The SQLite database lives in the instance folder; create_app fills in the path.
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    BASE_URL = "http://127.0.0.1:5000"
    MUSEUM_NAME = "Centrale dell'Acqua"
    MUSEUM_ADDRESS = "Piazza Diocleziano 5, 20154 Milano"
    TIMEZONE = "Europe/Rome"

    # Booking engine
    HOLD_MINUTES = 15  # how long a pending booking keeps its places
    SQLITE_BUSY_TIMEOUT_MS = 5000  # how long a writer waits for SQLite's write lock per try
    SQLITE_BEGIN_RETRIES = 5  # tries of BEGIN IMMEDIATE before the request fails cleanly

    # Language
    LANGUAGES = ("it", "en")
    BABEL_DEFAULT_LOCALE = "it"
    BABEL_DEFAULT_TIMEZONE = "Europe/Rome"
    LANGUAGE_COOKIE = "lang"

    # Staff login
    LOGIN_RATE_LIMIT = "10 per minute"
    API_BOOKING_RATE_LIMIT = "20 per minute"  # POST /api/v1/events/<id>/bookings, per address
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # a teacher may leave a form open for a while

    # Logging: one line per request on stderr
    LOG_REQUESTS = True
