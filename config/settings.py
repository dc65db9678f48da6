"""Zapros settings: one module, every deployment difference comes from the environment.

Development (`make run`) works with no variables at all: SQLite in ``var/``, Huey on SQLite,
mail printed to the console. Production sets ``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY``,
``ALLOWED_HOSTS`` and the mail variables; see the README.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
VAR_DIR = Path(env("ZAPROS_VAR_DIR", str(BASE_DIR / "var")))

# Without DEBUG the key must come from the environment. Management commands that sign nothing
# (migrate, makemigrations, check) run without it; the web entry points (config/wsgi.py,
# config/asgi.py) refuse to start, and Django refuses an empty key wherever one is used.
SECRET_KEY = env("SECRET_KEY") or (
    "zapros-development-only-key-never-use-in-production" if DEBUG else ""
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # django-ninja: its bundled Swagger UI files are served by Zapros, never from a CDN.
    "ninja",
    "huey.contrib.djhuey",
    "zapros.core",
    "zapros.accounts",
    "zapros.clients",
    "zapros.diagnostics",
    "zapros.notify",
    "zapros.sla",
    "zapros.tickets",
    "zapros.mail",
    "zapros.reports",
    "zapros.api",
    "zapros.web",
    "zapros.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "zapros.core.middleware.content_security_policy",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "zapros.core.middleware.user_language_and_timezone",
    "zapros.api.middleware.api_input",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zapros.web.staff.client_filter.context",
            ],
        },
    }
]

# Common widgets, labels and error lists are written in Python rather than one template each.
FORM_RENDERER = "zapros.web.form_rendering.QuickRenderer"

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'zapros.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer commits; IMMEDIATE takes the write lock at
        # BEGIN so that two writers queue up instead of failing on a lock upgrade.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif (DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
      and env_bool("DATABASE_PREPARED", True)):
    # Parameters travel apart from the SQL, and a statement run a few times on a connection
    # is prepared: PostgreSQL then plans it once, not on every page (planning a ticket's
    # joins costs more than reading it). A pooler in transaction mode that cannot keep
    # prepared statements (PgBouncer before 1.21) needs DATABASE_PREPARED=0.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["zapros.accounts.backends.EmailBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Cache and background jobs --------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    # While Redis is down the cache misses and drops writes instead of failing the page
    # (zapros/core/cache.py); a Redis that hangs costs at most the timeouts below.
    CACHES = {"default": {
        "BACKEND": "zapros.core.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {
            "socket_connect_timeout": float(env("REDIS_CONNECT_TIMEOUT", "0.5")),
            "socket_timeout": float(env("REDIS_TIMEOUT", "1")),
        },
    }}
    # Every page reads the session: from Redis, written through to the database, so that
    # restarting Redis signs nobody out and Redis being down only costs a database read.
    # Without Redis the cache would be each process's own, and a session ended in one worker
    # could live on in another: the database alone then.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Huey follows DEBUG unless told otherwise; Zapros always says it explicitly.
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "zapros",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": int(env("HUEY_WORKERS", "2")), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "zapros",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": int(env("HUEY_WORKERS", "2")), "worker_type": "thread"},
    }

# --- Languages and time ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "zapros" / "locale"]
USE_I18N = True
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or not env_bool("STATIC_MANIFEST", True)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

ZAPROS_ATTACHMENT_MAX_BYTES = int(env("ZAPROS_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
ZAPROS_ATTACHMENT_EXTENSIONS = env_list(
    "ZAPROS_ATTACHMENT_EXTENSIONS", "png,gif,jpg,jpeg,pdf,txt,log,eml"
)
ZAPROS_QUEUE_PAGE_SIZE = int(env("ZAPROS_QUEUE_PAGE_SIZE", "50"))
ZAPROS_TICKET_NUMBER_START = int(env("ZAPROS_TICKET_NUMBER_START", "1001"))
# Answered or resolved tickets untouched this many days are archived (0 turns it off).
ZAPROS_AUTO_ARCHIVE_DAYS = int(env("ZAPROS_AUTO_ARCHIVE_DAYS", "30"))
# Failed sign-ins allowed per account and client address, and per client address over all
# accounts, in one window (see zapros.web.auth).
ZAPROS_LOGIN_ATTEMPTS = int(env("ZAPROS_LOGIN_ATTEMPTS", "10"))
ZAPROS_LOGIN_ADDRESS_ATTEMPTS = int(env("ZAPROS_LOGIN_ADDRESS_ATTEMPTS", "100"))
ZAPROS_LOGIN_WINDOW_SECONDS = int(env("ZAPROS_LOGIN_WINDOW_SECONDS", "900"))
# Requests a client may open per window, and requests one client address may open (whoever
# signs in from it); staff opening requests for clients are not counted. 0: no limit.
ZAPROS_OPEN_LIMIT = int(env("ZAPROS_OPEN_LIMIT", "20"))
ZAPROS_OPEN_ADDRESS_LIMIT = int(env("ZAPROS_OPEN_ADDRESS_LIMIT", "60"))
ZAPROS_OPEN_WINDOW_SECONDS = int(env("ZAPROS_OPEN_WINDOW_SECONDS", "600"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The API: a request larger than this is refused (413) before it is read; files included.
ZAPROS_API_MAX_REQUEST_BYTES = int(env("ZAPROS_API_MAX_REQUEST_BYTES", str(50 * 1024 * 1024)))
# How long an Idempotency-Key's first answer is kept and replayed.
ZAPROS_API_IDEMPOTENCY_HOURS = int(env("ZAPROS_API_IDEMPOTENCY_HOURS", "24"))

# Whois and DNS look-ups from the staff ticket page. The whois root server names the registry,
# the registry the registrar (at most two referrals, always to port 43). ZAPROS_WHOIS_ADDRESSES
# ("whois.nic.example=10.0.0.5:4343,…") says where to reach a named whois server instead.
ZAPROS_WHOIS_SERVER = env("ZAPROS_WHOIS_SERVER", "whois.iana.org")
ZAPROS_WHOIS_PORT = int(env("ZAPROS_WHOIS_PORT", "43"))
ZAPROS_WHOIS_ADDRESSES = dict(
    item.split("=", 1) for item in env_list("ZAPROS_WHOIS_ADDRESSES") if "=" in item
)
ZAPROS_WHOIS_CONNECT_TIMEOUT = float(env("ZAPROS_WHOIS_CONNECT_TIMEOUT", "2"))
ZAPROS_WHOIS_READ_TIMEOUT = float(env("ZAPROS_WHOIS_READ_TIMEOUT", "3"))
ZAPROS_WHOIS_TOTAL_TIMEOUT = float(env("ZAPROS_WHOIS_TOTAL_TIMEOUT", "5"))
ZAPROS_WHOIS_MAX_BYTES = int(env("ZAPROS_WHOIS_MAX_BYTES", str(64 * 1024)))
# DNS servers to ask (comma-separated addresses); empty: the system's resolver configuration.
ZAPROS_DNS_SERVERS = env_list("ZAPROS_DNS_SERVERS")
ZAPROS_DNS_PORT = int(env("ZAPROS_DNS_PORT", "53"))
ZAPROS_DNS_TIMEOUT = float(env("ZAPROS_DNS_TIMEOUT", "2"))
ZAPROS_DNS_LIFETIME = float(env("ZAPROS_DNS_LIFETIME", "3"))
# Results are kept this long per domain; each staff member may run this many look-ups that
# reach the network per window, so the buttons cannot hammer third-party servers.
ZAPROS_DIAGNOSTICS_CACHE_SECONDS = int(env("ZAPROS_DIAGNOSTICS_CACHE_SECONDS", "60"))
ZAPROS_DIAGNOSTICS_RATE_LIMIT = int(env("ZAPROS_DIAGNOSTICS_RATE_LIMIT", "10"))
ZAPROS_DIAGNOSTICS_RATE_WINDOW = int(env("ZAPROS_DIAGNOSTICS_RATE_WINDOW", "60"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Mail -----------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Zapros <support@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Links in mail point here: the address clients and staff open Zapros at.
ZAPROS_BASE_URL = env("ZAPROS_BASE_URL", "http://localhost:8000").rstrip("/")
# Outgoing mail is tried this many times, waiting RETRY_SECONDS, then twice as long each time
# (at most RETRY_MAX_SECONDS); a row a crashed worker left "sending" is taken over after
# CLAIM_SECONDS.
ZAPROS_MAIL_MAX_ATTEMPTS = int(env("ZAPROS_MAIL_MAX_ATTEMPTS", "8"))
ZAPROS_MAIL_RETRY_SECONDS = int(env("ZAPROS_MAIL_RETRY_SECONDS", "60"))
ZAPROS_MAIL_RETRY_MAX_SECONDS = int(env("ZAPROS_MAIL_RETRY_MAX_SECONDS", str(6 * 3600)))
ZAPROS_MAIL_CLAIM_SECONDS = int(env("ZAPROS_MAIL_CLAIM_SECONDS", "600"))
# How many copy (Cc) addresses a client may add to one request.
ZAPROS_TICKET_CC_MAX = int(env("ZAPROS_TICKET_CC_MAX", "10"))

# Incoming mail (zapros.mail). The key encrypts gateway passwords (a Fernet key; with DEBUG and
# no key, one is derived from SECRET_KEY). A sender who sends more than FLOOD_LIMIT mails in
# FLOOD_WINDOW minutes is throttled. A mail larger than MAX_BYTES keeps its text and loses the
# files past the limit; each file is also held to ZAPROS_ATTACHMENT_MAX_BYTES.
ZAPROS_MAIL_KEY = env("ZAPROS_MAIL_KEY")
ZAPROS_MAIL_FLOOD_LIMIT = int(env("ZAPROS_MAIL_FLOOD_LIMIT", "20"))
ZAPROS_MAIL_FLOOD_WINDOW = int(env("ZAPROS_MAIL_FLOOD_WINDOW", "10"))
ZAPROS_MAIL_MAX_BYTES = int(env("ZAPROS_MAIL_MAX_BYTES", str(25 * 1024 * 1024)))
ZAPROS_MAIL_TIMEOUT = int(env("ZAPROS_MAIL_TIMEOUT", "30"))
ZAPROS_MAIL_TEST_TIMEOUT = int(env("ZAPROS_MAIL_TEST_TIMEOUT", "5"))
# Mail gateways may not reach loopback, private, link-local or unspecified addresses (the
# server's own services, the cloud's metadata): but these networks, for a mail server on the
# local network ("10.0.0.0/8", "127.0.0.1").
ZAPROS_MAIL_ALLOWED_NETWORKS = env_list("ZAPROS_MAIL_ALLOWED_NETWORKS")
# A poll holds its gateway this long and renews the hold at every step; a poll whose worker
# died is taken over once it lapses. Keep it above a few TIMEOUTs: one step may take that long.
ZAPROS_MAIL_POLL_LEASE_SECONDS = int(env("ZAPROS_MAIL_POLL_LEASE_SECONDS", "120"))
ZAPROS_MAIL_BATCH = int(env("ZAPROS_MAIL_BATCH", "500"))
# One IMAP fetch brings at most this many mails, and this many bytes unless one mail is larger.
ZAPROS_MAIL_FETCH_MAILS = int(env("ZAPROS_MAIL_FETCH_MAILS", "50"))
ZAPROS_MAIL_FETCH_BYTES = int(env("ZAPROS_MAIL_FETCH_BYTES", str(16 * 1024 * 1024)))

# --- Security -------------------------------------------------------------------------------
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# The reverse proxies (addresses or networks) whose X-Forwarded-For names the client; the
# client is the rightmost address there that is not one of them. Empty: the peer is the client.
ZAPROS_TRUSTED_PROXIES = env_list("ZAPROS_TRUSTED_PROXIES")
if env_bool("BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT")
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "0"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # The consumer prints through its own handler; don't print every line twice.
        "huey": {"level": "INFO", "propagate": False},
    },
}
