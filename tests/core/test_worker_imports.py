"""A web worker serving pages imports neither numpy nor scipy (~37 MB resident in each worker),
and start-up imports no heavy library.

numpy and scipy come in only where the neighbour index or the recommendation model is read or
computed. Every command, web worker and task worker pays for what django.setup() and the URL
configuration import, whether it uses it or not: each library in NOT_AT_SETUP cost from ~15 ms
(tantivy) to over a second (the MCP SDK) of CPU at every start, and is imported inside the
functions that use it (docs/performance.md, "CLI start-up (S61)"). Checked in a fresh
interpreter, since the test process itself has imported them long ago.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

# Loaded by no django.setup() nor `paperfeed --help`.
NOT_AT_SETUP = [
    "numpy",
    "scipy",
    "httpx",
    "tantivy",
    "email_validator",
    "markdown_it",
    "tqdm",
    "mcp",
    "pydantic",
    "paperfeed.papers.search",
    "paperfeed.papers.services",
    "paperfeed.community.services",
]
# Loaded by no process that only loads the site's URLs (`paperfeed check`, a web worker's boot).
NOT_WITH_URLS = [
    "numpy",
    "scipy",
    "httpx",
    "email_validator",
    "markdown_it",
    "tqdm",
    "mcp",
    "bibtexparser",
]

_LOAD = """
import json, sys
import django
django.setup()
from paperfeed.cli import main_help
main_help()
setup = sorted(m for m in sys.argv[1].split(",") if m in sys.modules)
from django.urls import get_resolver
get_resolver().url_patterns  # the whole URL configuration, every view module
urls = sorted(m for m in sys.argv[2].split(",") if m in sys.modules)
print(json.dumps({"setup": setup, "urls": urls}))
"""


_SERVE = """
import json, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import Client
from django.urls import get_resolver
from tests.factories import UserFactory, catalogue_paper

get_resolver().url_patterns  # the whole URL configuration, every view module
from datetime import date
paper = catalogue_paper("2503.00001", title="Graph neural networks for proteins",
                        featured_on=date(2026, 2, 2), featured_upvotes=3)
reader = UserFactory()
anonymous, member = Client(), Client()
member.force_login(reader)
paths = ["/papers", "/papers/new", "/papers/trending", f"/papers/{paper.arxiv_id}",
         "/search?q=graph", "/api/daily_papers", "/feeds/daily.rss"]
status = {path: anonymous.get(path).status_code for path in paths}
status.update({"member " + path: member.get(path).status_code
               for path in [*paths, "/papers/for-you"]})
print(json.dumps({"status": status,
                  "loaded": sorted(m for m in ("numpy", "scipy") if m in sys.modules)}))
"""


def fresh_interpreter(script: str, *args: str, env: dict[str, str]) -> Any:
    """The last line ``script`` prints, as JSON, run by a new interpreter at the repository."""
    proc = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.long
def test_serving_pages_imports_neither_numpy_nor_scipy(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "paperfeed.settings",
        "PAPERFEED_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/pf.sqlite3",
        "ALLOWED_HOSTS": "testserver",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    result = fresh_interpreter(_SERVE, env=env)
    assert set(result["status"].values()) == {200}, result["status"]
    assert result["loaded"] == []


def test_setup_the_command_list_and_the_urls_import_no_heavy_library(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "paperfeed.settings",
        "PAPERFEED_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/pf.sqlite3",
        "LOG_LEVEL": "WARNING",
    }
    loaded = fresh_interpreter(_LOAD, ",".join(NOT_AT_SETUP), ",".join(NOT_WITH_URLS), env=env)
    assert loaded == {"setup": [], "urls": []}
