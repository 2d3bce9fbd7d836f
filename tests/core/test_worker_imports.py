"""A web worker serving pages imports neither numpy nor scipy (~37 MB resident in each worker).

They come in only where the neighbour index or the recommendation model is read or computed.
Checked in a fresh interpreter, since the test process itself has imported them long ago.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

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
    proc = subprocess.run(
        [sys.executable, "-c", _SERVE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(result["status"].values()) == {200}, result["status"]
    assert result["loaded"] == []
