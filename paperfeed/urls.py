from django.contrib import admin
from django.urls import include, path

from paperfeed.core import views as core_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("accounts/", include("paperfeed.accounts.urls")),
    path("", include("paperfeed.api.urls")),
    path("", include("paperfeed.community.urls")),
    path("", include("paperfeed.library.urls")),
    path("", include("paperfeed.trending.urls")),
    path("", include("paperfeed.recs.urls")),
    path("", include("paperfeed.digests.urls")),
    path("", include("paperfeed.papers.urls")),
]

# A database fault outside any view (a session saved after it) is a 503, not a generic 500.
handler500 = "paperfeed.core.views.server_error"
