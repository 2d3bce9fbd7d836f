"""Product settings: ingestion, thumbnails, trending, digests, similar papers and search, the
search page's lean path.

Django's own settings are in paperfeed/settings/__init__.py, which star-imports this module.
Each variable is documented in docs/configuration.md.
"""

from __future__ import annotations

from pathlib import Path

from paperfeed.settings.env import DATA_DIR, env, env_bool, env_int, env_list

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
# The most memory a rebuild's index writer may hold before it writes a segment (one segment
# per rebuild while the catalogue fits: ~1 GB of RSS at 1 M papers); tantivy's ceiling ~4,000.
PAPERFEED_SEARCH_REBUILD_MEMORY_MB = env_int("PAPERFEED_SEARCH_REBUILD_MEMORY_MB", 4000)
# A web worker's file-backed resident memory (code, and the pages of the mapped search index
# and builds) above which it gives those pages back after a request (core/mapped.py); 0: never.
PAPERFEED_MAPPED_FILES_MB = env_int("PAPERFEED_MAPPED_FILES_MB", 64)

# --- Papers at a glance: keywords and one-line summaries -----------------------------------
# Keywords (papers/glance) and the abstract's contribution sentence for the papers an import wrote,
# computed by the worker after each import (`paperfeed summaries build` for the catalogue).
PAPERFEED_GLANCES_AFTER_IMPORT = env_bool("PAPERFEED_GLANCES_AFTER_IMPORT", True)
# Optional: an OpenAI-compatible chat-completions endpoint writes the one-line summary instead
# (labelled AI-written). Both must be set; the key is read from the environment only.
PAPERFEED_LLM_URL = env("PAPERFEED_LLM_URL", "")
PAPERFEED_LLM_MODEL = env("PAPERFEED_LLM_MODEL", "")
PAPERFEED_LLM_API_KEY = env("PAPERFEED_LLM_API_KEY", "")
PAPERFEED_LLM_TIMEOUT = float(env("PAPERFEED_LLM_TIMEOUT", "20"))
# Requests per minute, per day (every request counts, answered or not, on every host), and per
# worker run (an hourly job and a run after each import).
PAPERFEED_LLM_PER_MINUTE = env_int("PAPERFEED_LLM_PER_MINUTE", 20)
PAPERFEED_LLM_DAILY_BUDGET = env_int("PAPERFEED_LLM_DAILY_BUDGET", 500)
PAPERFEED_LLM_PER_RUN = env_int("PAPERFEED_LLM_PER_RUN", 100)
# Write the database's full-text copy (papers_fts) with every import: "auto" (None) only where
# it answers searches (PAPERFEED_SEARCH_ENGINE=database, or an index the worker does not update
# after imports; paperfeed.papers.search.database_copy_on). Off: imports skip it and, while no
# index is built, searches scan (paperfeed.papers.search_fallback).
_DATABASE_COPY = env("PAPERFEED_SEARCH_DATABASE_COPY", "auto").strip().lower()
PAPERFEED_SEARCH_DATABASE_COPY: bool | None = (
    None if _DATABASE_COPY == "auto" else env_bool("PAPERFEED_SEARCH_DATABASE_COPY")
)
# Parse imported files (of 1 MB or more) in a second process while this one writes.
PAPERFEED_IMPORT_PARSE_PROCESS = env_bool("PAPERFEED_IMPORT_PARSE_PROCESS", True)
# --- For you: personal recommendations (docs/recommendations.md) ---------------------------
# The worker retrains the collaborative model this often (minutes); `paperfeed recs train` too.
PAPERFEED_RECS_TRAIN_MINUTES = env_int("PAPERFEED_RECS_TRAIN_MINUTES", 360)
# Where trained models live (one directory per build, like the similar-papers index).
PAPERFEED_RECS_DIR = Path(env("PAPERFEED_RECS_DIR", str(DATA_DIR / "recs")))
# EASE's regularisation; measured on CiteULike-a (docs/recommendations.md): 60 beat 100 and 200.
PAPERFEED_RECS_L2 = float(env("PAPERFEED_RECS_L2", "60"))
# Collaborative neighbours kept per paper (the stored model's size is papers x this).
PAPERFEED_RECS_NEIGHBOURS = env_int("PAPERFEED_RECS_NEIGHBOURS", 1000)
# A paper enters the collaborative model only once this many members signalled it (privacy:
# no pairing from one or two libraries is ever recommended to anyone else).
PAPERFEED_RECS_MIN_READERS = env_int("PAPERFEED_RECS_MIN_READERS", 3)
# At most this many papers (the most signalled) in the collaborative model: training costs
# grow with min(members, papers)³.
PAPERFEED_RECS_MAX_PAPERS = env_int("PAPERFEED_RECS_MAX_PAPERS", 20000)
# The weight of content neighbours (the similar-papers index) against the collaborative score.
PAPERFEED_RECS_CONTENT_WEIGHT = float(env("PAPERFEED_RECS_CONTENT_WEIGHT", "0.25"))
# A reader's newest signalled papers that their list is built from.
PAPERFEED_RECS_READER_PAPERS = env_int("PAPERFEED_RECS_READER_PAPERS", 200)
# Only papers first published within this many days are recommended (0: any age).
PAPERFEED_RECS_MAX_AGE_DAYS = env_int("PAPERFEED_RECS_MAX_AGE_DAYS", 365)

# --- The search page ------------------------------------------------------------------------
# An anonymous GET of the search page with no cookie, token or body and only its parameters is
# answered by its view with only the middleware halves that can change the answer: the same
# status, headers and body as the full stack's (core/anonpath.py).
PAPERFEED_ANON_PATH = env_bool("PAPERFEED_ANON_PATH", True)
