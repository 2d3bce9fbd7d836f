from django.urls import path, re_path

from paperfeed.api import markdown
from paperfeed.api.api import api

urlpatterns = [
    path("api/", api.urls),
    # Before the pages app's /papers/<id>, which would otherwise take the ".md".
    re_path(r"^papers/(?P<arxiv_id>[^/]{1,80})\.md$", markdown.paper_md, name="paper-markdown"),
]
