import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
# A web worker keeps its SQLite connection between requests (see DATABASES in settings).
os.environ.setdefault("PAPERFEED_SQLITE_CONN_MAX_AGE", "60")
application = get_wsgi_application()
