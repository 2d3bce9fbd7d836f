"""The one settings module. Every value comes from the environment (12-factor).

Each variable read here is documented in docs/configuration.md; tests/core/test_configuration.py
fails when one is missing from that file.
"""

from __future__ import annotations

import os
import secrets
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import dj_database_url

from paperfeed.settings.env import DATA_DIR, env, env_bool, env_int, env_list
from paperfeed.settings.product import *  # noqa: F403  (product settings, same namespace)

# The package directory (paperfeed/), which holds templates and static files.
BASE_DIR = Path(__file__).resolve().parent.parent


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
    "paperfeed.library",
    "paperfeed.trending",
    "paperfeed.recs",
    "paperfeed.api",
    "paperfeed.digests",
]


# django-ninja's templates and static files (the API docs page's Swagger UI, served from our
# own static files, not a CDN), found where the package is installed without importing it.
# Not an installed app: Django imports every app's package at start-up, and importing ninja
# (pydantic with it) cost every command ~0.4 s of CPU; the web workers import it with the API's
# URLs, the commands that do not serve pages never do.
def _package_dir(name: str) -> Path:
    spec = find_spec(name)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"the package {name} is not installed")
    return Path(spec.origin).parent


_NINJA_DIR = _package_dir("ninja")

MIDDLEWARE = [
    # Outermost: an anonymous answer the whole stack made from a fresh shared copy is replayed
    # whole while the copy is fresh, so nothing below runs (core/replay.py).
    "paperfeed.core.replay.ReplayMiddleware",
    # It looks at the worker's memory once every other part has answered.
    "paperfeed.core.middleware.MappedFilesMiddleware",
    # A member's page filled from a fresh kept body, as the stack below answered it before,
    # without the rest of it and URL resolution (core/memberpath.py).
    "paperfeed.core.memberpath.MemberPathMiddleware",
    "paperfeed.core.anonpath.AnonymousPathMiddleware",  # an anonymous search GET, core/anonpath.py
    "django.middleware.security.SecurityMiddleware",
    # django-csp, with its (constant) header built once per process.
    "paperfeed.core.cspheader.ConstantCSPMiddleware",
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
    # Innermost: a fresh anonymous page copy is served without resolving the URL (core/fastpath.py).
    "paperfeed.core.fastpath.CachedPageMiddleware",
]

# The largest request body accepted (bytes); a larger one gets 413. Django's own check of
# request.body uses the same figure. Comments are at most PAPERFEED_COMMENT_MAX_CHARS.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("PAPERFEED_MAX_BODY_BYTES", 1024 * 1024)

ROOT_URLCONF = "paperfeed.urls"
WSGI_APPLICATION = "paperfeed.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates", _NINJA_DIR / "templates"],
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
    # Web workers keep their connection between requests (paperfeed/wsgi.py sets 60 s): opening
    # one costs ~1.4 ms of CPU (Django registers its SQL functions, SQLite parses the schema, the
    # pragmas below run), a tenth of a signed-in page; between requests it is in autocommit with
    # no snapshot open, so it never holds back a WAL checkpoint. Other processes (the task
    # worker, commands) open one per unit of work, so a file that stopped taking writes is seen
    # at the next task.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("PAPERFEED_SQLITE_CONN_MAX_AGE", 0)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("PAPERFEED_SQLITE_TIMEOUT", 30),
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA temp_store=MEMORY;"
            # Modest per-connection memory: the OS page cache holds the hot file pages anyway,
            # and every web worker, thread and task worker opens its own connection. No memory
            # map by default: at 2.7 M papers it saved no measurable page CPU (bench/
            # sqlite_mmap.py), and its mapped pages put a 1 M worker over 200 MB resident.
            f"PRAGMA mmap_size={env_int('PAPERFEED_SQLITE_MMAP_MB', 0) * 1024 * 1024};"
            # 16 MB of page cache; `paperfeed web` gives its workers 4 (core/.../web.py).
            f"PRAGMA cache_size=-{env_int('PAPERFEED_SQLITE_CACHE_MB', 16) * 1024};"
        ),
    }
    # A file, not :memory:, so live-server tests share it across threads and processes; one per
    # test process so that several suites can run at once on one machine.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
# PostgreSQL: the few queries every member's page runs (core/compiled.py) as prepared
# statements of the connection. Never with a connection pooler that cannot keep them (PgBouncer
# before 1.21 in transaction mode).
# On by default: it halves the database's CPU for a member's page; the paper-page groups that
# measured slower over HTTP in S51 are bound by their rebuilds at those rates and swing 4x
# between runs of one setting, and in alternated pairs and in process neither a fill nor a
# rebuild costs the worker more (docs/performance.md, "Eighth pass").
PAPERFEED_PG_PREPARED = env_bool("PAPERFEED_PG_PREPARED", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES: dict[str, dict[str, Any]] = {
    "default": {  # Django's LocMemCache, a kept body decoded once per entry (S85)
        "BACKEND": "paperfeed.core.cachebackends.ProcessCache",
        "LOCATION": "paperfeed",
    }
}
# Anonymous pages, feeds and counts: locmem (per process) by default, which is fastest and
# loses nothing by not being shared (each copy is bounded by its own lifetime).
CACHE_STORE = env("PAPERFEED_CACHE", "locmem")
if CACHE_STORE == "database":
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "paperfeed_cache",
    }

# The shared part of each paper card (community/cards.py), keyed on what it shows, so entries
# never go stale, only unused. Its own store, so thousands of cards neither push anonymous pages
# out of the default cache nor get culled by it: per process by default (about 3 KB a card, so
# at most ~15 MB), or beside the default cache when that is shared (database: its own table,
# created by `paperfeed createcachetable`; Redis: its own prefix).
CARD_CACHE_ENTRIES = 5000
CACHES["cards"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "paperfeed-cards",
    "OPTIONS": {"MAX_ENTRIES": CARD_CACHE_ENTRIES},
}
if CACHE_STORE == "database":
    CACHES["cards"] = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "paperfeed_cards",
        "OPTIONS": {"MAX_ENTRIES": 20 * CARD_CACHE_ENTRIES},
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
    if CACHE_STORE == "redis":
        CACHES["default"] = {**CACHES["limits"], "KEY_PREFIX": "paperfeed-pages"}
        CACHES["cards"] = {**CACHES["limits"], "KEY_PREFIX": "paperfeed-cards"}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One host: a counter file of its own, so counting never waits for the catalogue's write
    # lock (an import holds it for seconds).
    CACHES["limits"] = {
        "BACKEND": "paperfeed.core.cachebackends.SQLiteFileCache",
        "LOCATION": env("PAPERFEED_LIMITS_FILE", str(DATA_DIR / "limits.sqlite3")),
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

# Members' shared bodies and comment threads (core/readerslots.py) built once per interval for
# every web process of the host, not once per process: with a per-process default cache they
# are also kept in a file beside the data, read only when a process's own copy is stale
# (core/caching.py, ``across``). A shared default cache (database, Redis) shares them already.
BODIES_FILE = env("PAPERFEED_BODIES_FILE", str(DATA_DIR / "bodies.sqlite3"))
if CACHES["default"]["BACKEND"].endswith(".ProcessCache") and BODIES_FILE:
    CACHES["bodies"] = {
        "BACKEND": "paperfeed.core.cachebackends.SQLiteFileCache",
        "LOCATION": BODIES_FILE,
    }

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
STATICFILES_DIRS = [BASE_DIR / "static", _NINJA_DIR / "static"]
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
# Database sessions, the row read by a compiled query (accounts/sessions.py).
SESSION_ENGINE = "paperfeed.accounts.sessions"
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
# The member's row read by a compiled query (accounts/backends.py). ModelBackend stays listed
# after it so that sessions signed in before it (which name ModelBackend) keep working.
AUTHENTICATION_BACKENDS = [
    "paperfeed.accounts.backends.MemberBackend",
    "django.contrib.auth.backends.ModelBackend",
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
# Each web process keeps at most this many MB of whole anonymous answers (pages, feeds, API
# reads) to replay while their shared copy is fresh, before any other middleware runs
# (core/replay.py). 0 turns the replay off.
PAPERFEED_REPLAY_MB = env_int("PAPERFEED_REPLAY_MB", 32)
# A member's page the stack filled from a fresh kept body is answered so again before the other
# middleware and URL resolution, with the same status, headers and body (core/memberpath.py).
PAPERFEED_MEMBER_PATH = env_bool("PAPERFEED_MEMBER_PATH", True)
# Search results (which papers, in what order) are remembered this long per process; an import,
# edit or hiding makes them stale at once (see papers.search_selectors._search_ids). 0 turns it off.
PAPERFEED_SEARCH_CACHE_SECONDS = env_int("PAPERFEED_SEARCH_CACHE_SECONDS", 600)
# The shared part of a paper card is kept this long after it was rendered (its key changes with
# anything it shows, so this bounds memory, not staleness). 0 renders every card every time.
PAPERFEED_CARD_CACHE_SECONDS = env_int("PAPERFEED_CARD_CACHE_SECONDS", 86400)
# Catalogue-wide totals (COUNT(*) for /papers/new pagination) are remembered this long at most,
# and never past the next import or hide (they are keyed by the catalogue version, as searches
# are): a recount costs ~0.7 s of CPU at 1 M papers. 0 recounts every time.
PAPERFEED_COUNT_CACHE_SECONDS = env_int("PAPERFEED_COUNT_CACHE_SECONDS", 600)

# --- Machine access (JSON API, feeds) ------------------------------------------------------
# Rates as "count/period" (s, m, h, d); empty turns that limit off.
PAPERFEED_RATE_API_READ_IP = env("PAPERFEED_RATE_API_READ_IP", "1200/m")
PAPERFEED_RATE_API_WRITE_IP = env("PAPERFEED_RATE_API_WRITE_IP", "300/m")
PAPERFEED_RATE_API_TOKEN = env("PAPERFEED_RATE_API_TOKEN", "600/m")
# Feeds are served from the cache for at most this long after a change.
PAPERFEED_FEED_CACHE_SECONDS = env_int("PAPERFEED_FEED_CACHE_SECONDS", 300)
PAPERFEED_FEED_ITEMS = env_int("PAPERFEED_FEED_ITEMS", 50)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
