import os

from django.core.wsgi import get_wsgi_application

from paperfeed.core.replay import ReplayApplication

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
# A web worker keeps its SQLite connection between requests (see DATABASES in settings).
os.environ.setdefault("PAPERFEED_SQLITE_CONN_MAX_AGE", "60")
# A fresh anonymous answer the site already made is replayed before Django's handler runs
# (paperfeed/core/replay.py).
application = ReplayApplication(get_wsgi_application())
