"""The private RSS 2.0 / Atom 1.0 feed of a reader's for-you list.

Its address carries a token signed over (member, generation): whoever has the address reads
the list, so the for-you page can revoke it (a new generation) or turn it off. A forged,
revoked or disabled token is a 404, never a hint whose feed it was. Items carry their reason,
which names the reader's own papers: the feed is as private as its address.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.html import format_html

from paperfeed.recs import selectors, services
from paperfeed.recs.selectors import Recommendation

MAX_ITEMS = 50


class ForYouRss(Feed):
    feed_type: type[SyndicationFeed] = Rss201rev2Feed

    def get_object(self, request: HttpRequest, token: str) -> User:
        user_id = services.feed_key_user_id(token)
        user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
        if user is None:
            raise Http404("No such feed.")
        return user

    def title(self, obj: User) -> str:
        return f"For you, {obj.username} · paperfeed"

    def link(self, obj: User) -> str:
        return reverse("recs:for_you")

    def description(self, obj: User) -> str:
        return "Papers recommended from what you save, upvote, wrote and comment on."

    def items(self, obj: User) -> list[Recommendation]:
        return selectors.for_you(user=obj, limit=MAX_ITEMS).items

    def item_title(self, item: Recommendation) -> str:
        return item.row.paper.title

    def item_description(self, item: Recommendation) -> str:
        paper = item.row.paper
        return format_html(
            "<p><em>{}</em></p><p>{}</p><p>{}</p>",
            item.reason,
            ", ".join(item.row.authors[:20]),
            paper.abstract,
        )

    def item_link(self, item: Recommendation) -> str:
        return settings.SITE_URL + reverse("papers:paper", args=[item.row.paper.arxiv_id])

    def item_guid(self, item: Recommendation) -> str:
        return self.item_link(item)

    def item_pubdate(self, item: Recommendation) -> Any:
        return item.row.paper.published

    def item_categories(self, item: Recommendation) -> list[str]:
        return item.row.categories

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = super().__call__(request, *args, **kwargs)
        # Private: no shared cache keeps it, and a proxy never serves it to someone else.
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response


class ForYouAtom(ForYouRss):
    feed_type = Atom1Feed
    subtitle = ForYouRss.description
