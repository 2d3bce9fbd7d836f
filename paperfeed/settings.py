"""The one settings module. Every value comes from the environment (12-factor).

Each variable read here is documented in docs/configuration.md; tests/core/test_configuration.py
fails when one is missing from that file.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "")
    return value.strip().lower() in {"1", "true", "yes", "on"} if value else default


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item for item in env(name, default).replace(",", " ").split() if item]


DATA_DIR = Path(env("PAPERFEED_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data dir."""
    configured = env("SECRET_KEY")
    if configured:
        return configured
    path = DATA_DIR / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(50)
        # O_EXCL: when several processes start at once, exactly one writes the key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1 localhost [::1] testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("PAPERFEED_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "paperfeed.core",
    "paperfeed.papers",
    "paperfeed.ingest",
    "paperfeed.accounts",
    "paperfeed.community",
    "paperfeed.trending",
    "paperfeed.api",
    "paperfeed.digests",
    # Serves the API docs page's Swagger UI from our own static files, not a CDN.
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Control characters, body size and database faults, before any view (core/middleware.py).
    "paperfeed.core.middleware.EdgeMiddleware",
    "paperfeed.api.middleware.ReadCorsMiddleware",
    "paperfeed.api.middleware.MarkdownNegotiationMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# The largest request body accepted (bytes); a larger one gets 413. Django's own check of
# request.body uses the same figure. Comments are at most PAPERFEED_COMMENT_MAX_CHARS.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("PAPERFEED_MAX_BODY_BYTES", 1024 * 1024)

ROOT_URLCONF = "paperfeed.urls"
WSGI_APPLICATION = "paperfeed.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'paperfeed.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside one writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on busy_timeout instead of failing with "database is locked" mid-transaction.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("PAPERFEED_SQLITE_TIMEOUT", 30),
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA temp_store=MEMORY;"
            # Modest per-connection memory: the OS page cache holds the hot file pages anyway,
            # and every web worker, thread and task worker opens its own connection.
            "PRAGMA mmap_size=67108864;"
            "PRAGMA cache_size=-16384;"
        ),
    }
    # A file, not :memory:, so live-server tests share it across threads and processes; one per
    # test process so that several suites can run at once on one machine.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "paperfeed",
    }
}
# Anonymous pages, feeds and counts: locmem (per process) by default, which is fastest and
# loses nothing by not being shared (each copy is bounded by its own lifetime).
if env("PAPERFEED_CACHE", "locmem") == "database":
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "paperfeed_cache",
    }

# --- Shared counters: rate limits (docs/operations.md, "Several processes, several hosts") ----
# Every web process and host must count in one store, or each limit is multiplied by the
# number of processes: Redis when REDIS_URL is set, else a table of PostgreSQL (created by
# `paperfeed migrate`), else (SQLite, one host) a counter file beside the database; all three
# count atomically. `paperfeed web` refuses any other store.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES["limits"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "paperfeed",
    }
    if env("PAPERFEED_CACHE", "locmem") == "redis":
        CACHES["default"] = {**CACHES["limits"], "KEY_PREFIX": "paperfeed-pages"}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One host: a counter file of its own, so counting never waits for the catalogue's write
    # lock (an import holds it for seconds).
    CACHES["limits"] = {
        "BACKEND": "paperfeed.core.cachebackends.SQLiteCounterCache",
        "LOCATION": str(DATA_DIR / "limits.sqlite3"),
    }
else:
    CACHES["limits"] = {
        "BACKEND": "paperfeed.core.cachebackends.CounterDatabaseCache",
        "LOCATION": "paperfeed_limits",
        # Culling (in set(), not in add()) deletes live counters when the table is over
        # MAX_ENTRIES: keep it far above the number of distinct keys an hour brings.
        "OPTIONS": {"MAX_ENTRIES": 1_000_000},
    }
RATELIMIT_USE_CACHE = "limits"

# --- Background tasks ----------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Auth, i18n, static ---------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns at start-up when it is missing
# Site-wide CSS and JS (paperfeed/static); apps keep theirs in <app>/static.
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve app static files straight from the package, so `pip install` + one command works
# without a collectstatic step.
WHITENOISE_USE_FINDERS = True

# --- Mail -----------------------------------------------------------------------------------
# With no mail server configured (neither EMAIL_BACKEND nor EMAIL_HOST), mails are written as
# files under <data dir>/mail/ and logged, instead of waiting on an SMTP server on port 25
# that a laptop does not run. Set EMAIL_HOST (even `localhost`) to send through SMTP.
EMAIL_FILE_PATH = DATA_DIR / "mail"
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if env("EMAIL_HOST")
    else "paperfeed.core.mailfiles.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "paperfeed <paperfeed@localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool(
    "SESSION_COOKIE_SECURE", not DEBUG and SITE_URL.startswith("https")
)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Accounts and community ---------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
# No inline script anywhere: every script is a file served from this site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "https:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Rates as "count/period" (s, m, h, d), counted in the shared "limits" cache (above). When it
# cannot count (a read-only or full database holds the counters), requests are let through
# rather than all refused with a misleading 429; writes then get the 503 "read-only" page.
RATELIMIT_FAIL_OPEN = True
PAPERFEED_RATE_LOGIN_IP = env("PAPERFEED_RATE_LOGIN_IP", "30/h")
# Per (client IP, account): a stranger's guesses never block the owner (accounts/signin.py).
PAPERFEED_RATE_LOGIN_ACCOUNT = env("PAPERFEED_RATE_LOGIN_ACCOUNT", "10/h")
# Failures of one account (any IP) in an hour before each next one waits 1, 2, 4 … seconds.
PAPERFEED_LOGIN_FREE_FAILURES = env_int("PAPERFEED_LOGIN_FREE_FAILURES", 5)
PAPERFEED_LOGIN_MAX_DELAY = env_int("PAPERFEED_LOGIN_MAX_DELAY", 60)
PAPERFEED_RATE_SIGNUP = env("PAPERFEED_RATE_SIGNUP", "10/h")
PAPERFEED_RATE_UPVOTE = env("PAPERFEED_RATE_UPVOTE", "120/m")
PAPERFEED_RATE_COMMENT = env("PAPERFEED_RATE_COMMENT", "10/m")
PAPERFEED_RATE_SUBMIT = env("PAPERFEED_RATE_SUBMIT", "10/h")
# Submission guardrails (curators are exempt from all of them).
PAPERFEED_SUBMIT_REQUIRE_VERIFIED = env_bool("PAPERFEED_SUBMIT_REQUIRE_VERIFIED", True)
PAPERFEED_SUBMIT_MIN_ACCOUNT_AGE_HOURS = env_int("PAPERFEED_SUBMIT_MIN_ACCOUNT_AGE_HOURS", 0)
PAPERFEED_SUBMIT_PER_DAY = env_int("PAPERFEED_SUBMIT_PER_DAY", 3)
PAPERFEED_SUBMIT_MAX_AGE_DAYS = env_int("PAPERFEED_SUBMIT_MAX_AGE_DAYS", 14)
PAPERFEED_COMMENT_EDIT_MINUTES = env_int("PAPERFEED_COMMENT_EDIT_MINUTES", 15)
PAPERFEED_COMMENT_MAX_CHARS = env_int("PAPERFEED_COMMENT_MAX_CHARS", 10000)
# Verification and reset links stay valid this long.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3 * 24 * 3600)

# --- Reading site --------------------------------------------------------------------------
# Anonymous list and paper pages are cached this many seconds: the bound on how long an upvote,
# an import or a curation action takes to show. 0 turns the page cache off.
PAPERFEED_PAGE_CACHE_SECONDS = env_int("PAPERFEED_PAGE_CACHE_SECONDS", 5)
# Search results (which papers, in what order) are remembered this long per process; an import,
# edit or hiding makes them stale at once (see papers.search_selectors._search_ids). 0 turns it off.
PAPERFEED_SEARCH_CACHE_SECONDS = env_int("PAPERFEED_SEARCH_CACHE_SECONDS", 600)
# Catalogue-wide totals (COUNT(*) for /papers/new pagination) are remembered this long.
PAPERFEED_COUNT_CACHE_SECONDS = env_int("PAPERFEED_COUNT_CACHE_SECONDS", 5)

# --- Machine access (JSON API, feeds) ------------------------------------------------------
# Rates as "count/period" (s, m, h, d); empty turns that limit off.
PAPERFEED_RATE_API_READ_IP = env("PAPERFEED_RATE_API_READ_IP", "1200/m")
PAPERFEED_RATE_API_WRITE_IP = env("PAPERFEED_RATE_API_WRITE_IP", "300/m")
PAPERFEED_RATE_API_TOKEN = env("PAPERFEED_RATE_API_TOKEN", "600/m")
# Feeds are served from the cache for at most this long after a change.
PAPERFEED_FEED_CACHE_SECONDS = env_int("PAPERFEED_FEED_CACHE_SECONDS", 300)
PAPERFEED_FEED_ITEMS = env_int("PAPERFEED_FEED_ITEMS", 50)

# --- Ingestion ------------------------------------------------------------------------------
PAPERFEED_CATEGORIES = env_list("PAPERFEED_CATEGORIES", "cs.AI cs.CL cs.CV cs.LG")
PAPERFEED_CONTACT_EMAIL = env("PAPERFEED_CONTACT_EMAIL", "")
ARXIV_API_URL = env("ARXIV_API_URL", "https://export.arxiv.org/api/query")
ARXIV_OAI_URL = env("ARXIV_OAI_URL", "https://oaipmh.arxiv.org/oai")
HF_API_URL = env("HF_API_URL", "https://huggingface.co")
# Where a paper's PDF is fetched from (for its thumbnail): <ARXIV_PDF_URL>/<arXiv id>.
ARXIV_PDF_URL = env("ARXIV_PDF_URL", "https://arxiv.org/pdf")
# Seconds between two requests to one source. arXiv's terms ask for at least 3; the arXiv
# fetchers refuse anything lower for arxiv.org hosts.
ARXIV_REQUEST_INTERVAL = float(env("ARXIV_REQUEST_INTERVAL", "3"))
HF_REQUEST_INTERVAL = float(env("HF_REQUEST_INTERVAL", "1"))
PAPERFEED_FETCH_RETRIES = env_int("PAPERFEED_FETCH_RETRIES", 4)
# The scheduled import runs once a day at this UTC hour (arXiv announces at 00:00 UTC).
PAPERFEED_IMPORT_HOUR_UTC = env_int("PAPERFEED_IMPORT_HOUR_UTC", 1)
PAPERFEED_SCHEDULER = env_bool("PAPERFEED_SCHEDULER", True)
# Papers without an abstract asked of the arXiv API per hourly run (100 per request, 3 s apart).
PAPERFEED_COMPLETE_PER_RUN = env_int("PAPERFEED_COMPLETE_PER_RUN", 500)

# First-page thumbnails: rendered by the worker from arXiv's PDF (one request every
# ARXIV_REQUEST_INTERVAL seconds), featured papers first. Off: no PDF is fetched, cards show
# the typographic placeholder.
PAPERFEED_THUMBNAILS = env_bool("PAPERFEED_THUMBNAILS", True)
PAPERFEED_THUMBNAIL_DIR = Path(env("PAPERFEED_THUMBNAIL_DIR", str(DATA_DIR / "thumbs")))
# Featured papers without a thumbnail the hourly job renders: a PDF every 3 s or more, and
# about a second to render each, so 30 keep a worker busy about two minutes an hour.
PAPERFEED_THUMBNAILS_PER_RUN = env_int("PAPERFEED_THUMBNAILS_PER_RUN", 30)
# A larger PDF is not downloaded (recorded as a failure, not tried again).
PAPERFEED_THUMBNAIL_MAX_BYTES = env_int("PAPERFEED_THUMBNAIL_MAX_BYTES", 40 * 1024 * 1024)

# --- Trending (docs/trending.md) ------------------------------------------------------------
# Optional: without a token GitHub allows 60 requests an hour, with one 5,000.
GITHUB_TOKEN = env("GITHUB_TOKEN")
GITHUB_API_URL = env("GITHUB_API_URL", "https://api.github.com")
PAPERFEED_STARS_REFRESH_MINUTES = env_int("PAPERFEED_STARS_REFRESH_MINUTES", 60)
# Requests per hourly refresh: under the 60 an hour GitHub allows without a token; with one,
# enough to snapshot the shared corpus's ~13,000 repositories twice a day (README, GITHUB_TOKEN).
PAPERFEED_STARS_BUDGET = env_int("PAPERFEED_STARS_BUDGET", 1000 if GITHUB_TOKEN else 50)
PAPERFEED_STARS_MAX_WAIT = env_int("PAPERFEED_STARS_MAX_WAIT", 120)
PAPERFEED_STARS_BACKFILL_PAGES = env_int("PAPERFEED_STARS_BACKFILL_PAGES", 10)
PAPERFEED_TRENDING_RECOMPUTE_MINUTES = env_int("PAPERFEED_TRENDING_RECOMPUTE_MINUTES", 15)
PAPERFEED_TRENDING_UPVOTE_WEIGHT = float(env("PAPERFEED_TRENDING_UPVOTE_WEIGHT", "1.0"))
PAPERFEED_TRENDING_STAR_WEIGHT = float(env("PAPERFEED_TRENDING_STAR_WEIGHT", "1.0"))
PAPERFEED_TRENDING_GRAVITY = float(env("PAPERFEED_TRENDING_GRAVITY", "1.5"))
PAPERFEED_TRENDING_AGE_OFFSET_DAYS = float(env("PAPERFEED_TRENDING_AGE_OFFSET_DAYS", "2"))
PAPERFEED_TRENDING_MAX_AGE_DAYS = float(env("PAPERFEED_TRENDING_MAX_AGE_DAYS", "60"))
PAPERFEED_TRENDING_MIN_STAR_VELOCITY = float(env("PAPERFEED_TRENDING_MIN_STAR_VELOCITY", "0"))
PAPERFEED_RATE_CODE_LINK = env("PAPERFEED_RATE_CODE_LINK", "30/h")

# --- Email digests --------------------------------------------------------------------------
PAPERFEED_RATE_SUBSCRIBE_IP = env("PAPERFEED_RATE_SUBSCRIBE_IP", "10/h")
PAPERFEED_DIGEST_MAILS_PER_ADDRESS_HOUR = env_int("PAPERFEED_DIGEST_MAILS_PER_ADDRESS_HOUR", 3)
PAPERFEED_DIGEST_CONFIRM_HOURS = env_int("PAPERFEED_DIGEST_CONFIRM_HOURS", 48)
PAPERFEED_DIGEST_LINK_DAYS = env_int("PAPERFEED_DIGEST_LINK_DAYS", 90)
PAPERFEED_DIGEST_UNSUBSCRIBE_MAILTO = env("PAPERFEED_DIGEST_UNSUBSCRIBE_MAILTO", "")
PAPERFEED_DIGEST_LEASE_MINUTES = env_int("PAPERFEED_DIGEST_LEASE_MINUTES", 15)
PAPERFEED_DIGEST_MAX_ATTEMPTS = env_int("PAPERFEED_DIGEST_MAX_ATTEMPTS", 10)
PAPERFEED_DIGEST_MAX_HARD_BOUNCES = env_int("PAPERFEED_DIGEST_MAX_HARD_BOUNCES", 3)
PAPERFEED_DIGEST_CONNECT_RETRIES = env_int("PAPERFEED_DIGEST_CONNECT_RETRIES", 3)
PAPERFEED_DIGEST_CONNECT_PAUSE_SECONDS = env_int("PAPERFEED_DIGEST_CONNECT_PAUSE_SECONDS", 2)

# --- Similar papers and search by meaning (docs/similar.md) --------------------------------
# "tfidf" (default, no model) or "embeddings" (onnxruntime; pip install 'paperfeed[embeddings]').
PAPERFEED_SIMILAR_ENGINE = env("PAPERFEED_SIMILAR_ENGINE", "tfidf")
PAPERFEED_SIMILAR_MODEL_DIR = env("PAPERFEED_SIMILAR_MODEL_DIR")
PAPERFEED_SIMILAR_MAX_TOKENS = env_int("PAPERFEED_SIMILAR_MAX_TOKENS", 256)
PAPERFEED_SIMILAR_K = env_int("PAPERFEED_SIMILAR_K", 10)
PAPERFEED_SIMILAR_DIMS = env_int("PAPERFEED_SIMILAR_DIMS", 128)
PAPERFEED_SIMILAR_AFTER_IMPORT = env_bool("PAPERFEED_SIMILAR_AFTER_IMPORT", True)
PAPERFEED_SIMILAR_FULL_EVERY_DAYS = env_int("PAPERFEED_SIMILAR_FULL_EVERY_DAYS", 7)
PAPERFEED_SEARCH_DEFAULT_MODE = env("PAPERFEED_SEARCH_DEFAULT_MODE", "hybrid")
# "tantivy": the embedded index (paperfeed.papers.textindex) when it is built, else the
# database's; "database": always FTS5 / tsvector.
PAPERFEED_SEARCH_ENGINE = env("PAPERFEED_SEARCH_ENGINE", "tantivy")
PAPERFEED_SEARCH_INDEX_DIR = env("PAPERFEED_SEARCH_INDEX_DIR", "")
PAPERFEED_SEARCH_INDEX_AFTER_IMPORT = env_bool("PAPERFEED_SEARCH_INDEX_AFTER_IMPORT", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
