from django.urls import path, re_path

from paperfeed.papers import redirects, views
from paperfeed.papers.ids import URL_ID_PATTERN

app_name = "papers"

urlpatterns = [
    path("", views.home, name="home"),
    path("papers", views.home, name="latest"),
    path("papers/date", views.date_picker, name="date_picker"),
    path("papers/date/<str:value>", views.daily, name="daily"),
    path("papers/week/<str:value>", views.weekly, name="weekly"),
    path("papers/month/<str:value>", views.monthly, name="monthly"),
    path("papers/new", views.new, name="new"),
    path("search", views.search, name="search"),
    path("authors/<str:value>", views.author, name="author"),
    re_path(rf"^thumbs/(?P<arxiv_id>{URL_ID_PATTERN})\.webp$", views.thumbnail, name="thumbnail"),
    # arXiv's own paths, so that swapping the host of an arXiv URL lands here.
    path("abs/<path:value>", redirects.abs_page, name="abs"),
    path("pdf/<path:value>", redirects.pdf, name="pdf"),
    # Old-style ids contain a slash (hep-th/9901001), hence <path:>.
    path("papers/<path:arxiv_id>", views.paper, name="paper"),
]
