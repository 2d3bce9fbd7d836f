import os

from django.core.wsgi import get_wsgi_application

from paperfeed.core.workergc import WARM_REQUESTS, FrozenAfterWarmUp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
# A web worker keeps its SQLite connection between requests (see DATABASES in settings).
os.environ.setdefault("PAPERFEED_SQLITE_CONN_MAX_AGE", "60")
# Each gunicorn worker imports this module itself: its long-lived objects leave the cyclic
# collector's walks once loaded and once warm (core/workergc.py).
application = FrozenAfterWarmUp(get_wsgi_application(), WARM_REQUESTS)
