from django.urls import path, re_path

from paperfeed.api import feeds, llms, markdown, mcp_http
from paperfeed.api.api import api
from paperfeed.papers.ids import URL_ID_PATTERN


def _both(route: str, make, name: str) -> list:
    """The RSS 2.0 and the Atom 1.0 version of one feed."""
    return [
        re_path(rf"^feeds/{route}\.rss$", feeds.cached_feed(make(atom=False)), name=f"{name}-rss"),
        re_path(rf"^feeds/{route}\.atom$", feeds.cached_feed(make(atom=True)), name=f"{name}-atom"),
    ]


urlpatterns = [
    path("api/", api.urls),
    path("mcp", mcp_http.mcp_endpoint, name="mcp"),
    path("llms.txt", llms.llms_txt, name="llms-txt"),
    # Before the pages app's /papers/<id>, which would otherwise take the ".md".
    re_path(
        rf"^papers/(?P<arxiv_id>{URL_ID_PATTERN})\.md$", markdown.paper_md, name="paper-markdown"
    ),
    *_both("daily", lambda atom: feeds.FeaturedFeed(kind="day", atom=atom), "feed-daily"),
    *_both("weekly", lambda atom: feeds.FeaturedFeed(kind="week", atom=atom), "feed-weekly"),
    *_both("monthly", lambda atom: feeds.FeaturedFeed(kind="month", atom=atom), "feed-monthly"),
    *_both("trending", feeds.TrendingFeed, "feed-trending"),
    *_both("new", feeds.NewFeed, "feed-new"),
    *_both(r"new/(?P<category>[A-Za-z.-]{1,41})", feeds.NewFeed, "feed-new-category"),
    *_both("search", feeds.SearchFeed, "feed-search"),
    *_both(r"users/(?P<username>[\w.@+-]{1,150})/upvotes", feeds.UpvotesFeed, "feed-upvotes"),
]
