from django.urls import path, re_path

from paperfeed.recs import feeds, views

app_name = "recs"

# A feed token: "<member>-<generation>.<signature>" (services.feed_token).
_FEED_TOKEN_PATTERN = r"(?P<token>[0-9]+-[0-9]+\.[A-Za-z0-9_-]{10,100})"  # noqa: S105

urlpatterns = [
    path("papers/for-you", views.for_you, name="for_you"),
    path("papers/for-you/hidden", views.hidden, name="hidden"),
    path("papers/for-you/hide/<int:paper_id>", views.hide, name="hide"),
    path("papers/for-you/feed-key", views.feed_key, name="feed_key"),
    re_path(rf"^feeds/for-you/{_FEED_TOKEN_PATTERN}\.rss$", feeds.ForYouRss(), name="feed_rss"),
    re_path(rf"^feeds/for-you/{_FEED_TOKEN_PATTERN}\.atom$", feeds.ForYouAtom(), name="feed_atom"),
]
