"""`paperfeed ingest file` imports only what an import runs: not the API's framework (ninja,
pydantic), nor the HTTP client of the fetchers and the star counts (httpx), nor psycopg on SQLite.

Together they were ~0.9 s of the command's ~1.5 s of CPU before its first record. Checked in a
fresh interpreter, since the test process has imported all of them long ago.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests/fixtures/ingest/listings"

_IMPORT = """
import json, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("ingest", "file", sys.argv[1], "--no-progress")
from paperfeed.papers.models import Paper
print(json.dumps({"papers": Paper.objects.count(),
                  "loaded": sorted(m for m in ("ninja", "pydantic", "httpx", "psycopg")
                                   if m in sys.modules)}))
"""


def test_a_file_import_loads_no_web_framework_http_client_or_postgres_driver(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "paperfeed.settings",
        "PAPERFEED_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/pf.sqlite3",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORT, str(FIXTURES / "2025-03-18.jsonl")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["papers"] > 0  # the batch was written, and its tasks enqueued
    assert found["loaded"] == []
