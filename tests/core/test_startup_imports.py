"""Start-up imports no heavy library: every command, web worker and task worker pays for what
django.setup() and the URL configuration import, whether it uses it or not.

Each library named here cost from ~15 ms (tantivy) to over a second (the MCP SDK) of CPU at
every start; they are imported inside the functions that use them (docs/performance.md,
"CLI start-up (S61)"). Checked in a fresh interpreter: the test process has imported them all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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


def test_setup_the_command_list_and_the_urls_import_no_heavy_library(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "paperfeed.settings",
        "PAPERFEED_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/pf.sqlite3",
        "LOG_LEVEL": "WARNING",
    }
    proc = subprocess.run(
        [sys.executable, "-c", _LOAD, ",".join(NOT_AT_SETUP), ",".join(NOT_WITH_URLS)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert loaded == {"setup": [], "urls": []}
