import os

from django.core.wsgi import get_wsgi_application

from paperfeed.core.replay import ReplayApplication
from paperfeed.core.workergc import WARM_REQUESTS, FrozenAfterWarmUp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
# A web worker keeps its SQLite connection between requests (see DATABASES in settings).
os.environ.setdefault("PAPERFEED_SQLITE_CONN_MAX_AGE", "60")
# Each gunicorn worker imports this module itself: its long-lived objects leave the cyclic
# collector's walks once loaded and once warm (core/workergc.py). A fresh anonymous answer the
# site already made is replayed before either runs (paperfeed/core/replay.py), so replays
# neither count toward the warm-up nor pay for it.
application = ReplayApplication(FrozenAfterWarmUp(get_wsgi_application(), WARM_REQUESTS))
