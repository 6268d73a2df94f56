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
    # How people reach the museum: on every page's footer, in every email, and wherever a
    # page can no longer do something online (a cancellation after its deadline).
    # Placeholders: set the museum's own in instance/config.py (CENTRALE_MUSEUM_PHONE=...).
    MUSEUM_PHONE = "+39 02 0000 0000"
    MUSEUM_EMAIL = "info@example.org"
    # Opening hours as people read them, by language (CENTRALE_MUSEUM_HOURS='{"it": ...}').
    MUSEUM_HOURS = {"it": "lunedì–venerdì 9:00–17:00", "en": "Monday to Friday 9:00–17:00"}

    # Pictures uploaded by staff, for every programme (pictures.py)
    EVENT_IMAGE_DIR = None  # None: instance/images
    EVENT_IMAGE_MAX_BYTES = 5 * 1024 * 1024
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024  # any request body: a picture and its form

    # Booking engine
    HOLD_MINUTES = 15  # how long a pending booking keeps its places
    SQLITE_BUSY_TIMEOUT_MS = 5000  # how long a writer waits for SQLite's write lock per try
    SQLITE_BEGIN_RETRIES = 5  # tries of BEGIN IMMEDIATE before the request fails cleanly

    # Public listings (the schools' activities and dates) are kept whole this many seconds for
    # visitors not signed in: at a booking window's opening everyone reads the same ones.
    # Their places left may be this old; the form and the booking read the database.
    PUBLIC_PAGE_SECONDS = 2

    # Front desk
    # From this many minutes after an event's start, the seats of bookings nobody has checked
    # in may go to walk-ins; a latecomer is still let in while seats remain (booking/door.py).
    DESK_WALK_IN_AFTER_MINUTES = 10
    # A plain ticket's scan is answered by the check-in's hot path (booking/fastscan.py);
    # off, every scan takes the full path (for comparing the two).
    DESK_FAST_SCANS = True
    # A device token found good is trusted this long in each process before it is checked
    # again: a revoked token opens nothing from at most this many seconds on.
    DESK_TOKEN_RECHECK_SECONDS = 5

    # School visits
    SCHOOL_CONFIRM_MINUTES = 30  # a pending class booking waits this long for its email link
    SCHOOL_CANCEL_DAYS = 3  # numbers changed or cancelled online up to this many days before
    SCHOOL_MAX_BOOKINGS_PER_YEAR = 3  # live bookings per school (codice) per school year
    # At least one accompanying adult for every N pupils, by grade level
    SCHOOL_PUPILS_PER_ADULT = {
        "infanzia": 10,
        "primaria": 15,
        "secondaria_primo": 15,
        "secondaria_secondo": 15,
    }

    # "Find your booking" (the manage links sent again by email): per client address
    FIND_BOOKINGS_RATE_LIMIT = "5 per 10 minutes"

    # Booking requests of every programme, the page form and the API counted together
    # (ratelimits.hit_booking_limits)
    BOOKING_RATE_LIMIT = "20 per minute"  # per client address
    BOOKING_RATE_LIMIT_PER_EMAIL = "10 per hour"  # per email address, from any client
    BOOKING_RATE_LIMIT_PER_EVENT = "120 per minute"  # per event, activity or edition, all clients

    # Language
    LANGUAGES = ("it", "en")
    BABEL_DEFAULT_LOCALE = "it"
    # BABEL_DEFAULT_TIMEZONE: set from TIMEZONE by create_app, the one place it is named
    LANGUAGE_COOKIE = "lang"

    # Staff login
    LOGIN_RATE_LIMIT = "10 per minute"  # failed logins per client address (or known device)
    LOGIN_ACCOUNT_RATE_LIMIT = "10 per 15 minutes"  # failed logins per account, new clients
    # Where the counts are kept: None, a file in instance/ that every worker of this machine
    # shares (ratelimits.py); "redis://host:6379" for several machines.
    RATELIMIT_STORAGE_URI = None
    RATELIMIT_HEADERS_ENABLED = True
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # SESSION_COOKIE_SECURE, REMEMBER_COOKIE_SECURE: set by create_app when BASE_URL is https
    WTF_CSRF_TIME_LIMIT = None  # a teacher may leave a form open for a while

    # Logging: one line per request on stderr
    LOG_REQUESTS = True

    # Email. Every email is first an OutboxMessage row (written with the booking change), then
    # delivered by the outbox worker: `flask send-mail [--loop]`, or a thread in each web
    # process when OUTBOX_THREAD is true (CENTRALE_OUTBOX_THREAD=true; off in tests and CLI).
    MAIL_TRANSPORT = "file"  # "file": .eml files in MAIL_FILE_DIR; "smtp": the server below
    MAIL_FILE_DIR = None  # None: instance/mail
    MAIL_FROM = "Centrale dell'Acqua <prenotazioni@localhost>"
    MAIL_REPLY_TO = ""  # where replies go, when not to MAIL_FROM
    SMTP_HOST = "localhost"
    SMTP_PORT = 25  # 587 with SMTP_STARTTLS, 465 with SMTP_SSL
    SMTP_STARTTLS = False  # upgrade the connection with STARTTLS (port 587)
    SMTP_SSL = False  # TLS from the first byte (port 465)
    SMTP_USERNAME = ""  # empty: no login
    SMTP_PASSWORD = ""  # set it in instance/config.py or CENTRALE_SMTP_PASSWORD, never here
    SMTP_TIMEOUT = 20  # seconds for each network operation
    SMTP_CA_FILE = ""  # certificate authorities (PEM) for the server's; empty: the system's
    OUTBOX_THREAD = False  # deliver from a background thread of the web process
    OUTBOX_POLL_SECONDS = 5  # how often the thread or `send-mail --loop` looks for due mail
    OUTBOX_MAX_ATTEMPTS = 10  # then the message is marked failed
    OUTBOX_BACKOFF_SECONDS = 60  # wait after the first failure; doubled after each next one
    OUTBOX_BACKOFF_MAX_SECONDS = 6 * 3600  # the longest wait between two attempts
    OUTBOX_LEASE_SECONDS = 300  # a claimed message is left to its worker this long
    OUTBOX_MAX_PER_RECIPIENT_PER_HOUR = 10  # then the next emails to that address wait
