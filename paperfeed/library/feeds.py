"""RSS 2.0 and Atom 1.0 feeds of a public collection: its papers in its order, each with the
item's note. A private collection has no feed (404), even for its owner: a feed reader carries
no session, and a feed's address travels."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.html import format_html

from paperfeed.library.models import Collection
from paperfeed.library.selectors import Entry, collection_entries

MAX_ITEMS = 200


class CollectionRss(Feed):
    feed_type: type[SyndicationFeed] = Rss201rev2Feed

    def get_object(self, request: HttpRequest, username: str, slug: str) -> Collection:
        found = (
            Collection.objects.select_related("owner")
            .filter(owner__username=username, owner__is_active=True, slug=slug, is_public=True)
            .first()
        )
        if found is None:
            raise Http404("No such public collection.")
        return found

    def title(self, obj: Collection) -> str:
        return f"{obj.name} · a collection by {obj.owner.username} on paperfeed"

    def link(self, obj: Collection) -> str:
        return reverse("library:collection", args=[obj.owner.username, obj.slug])

    def description(self, obj: Collection) -> str:
        return obj.description or f"Papers collected by {obj.owner.username}."

    def items(self, obj: Collection) -> list[Entry]:
        return collection_entries(collection=obj)[:MAX_ITEMS]

    def item_title(self, item: Entry) -> str:
        return item.row.paper.title

    def item_description(self, item: Entry) -> str:
        paper = item.row.paper
        note = format_html("<p><strong>Note:</strong> {}</p>", item.note) if item.note else ""
        return format_html(
            '{}<p>{}</p><p>{}</p><p><a href="{}">arXiv</a></p>',
            note,
            ", ".join(item.row.authors),
            paper.abstract,
            paper.abs_url,
        )

    def item_link(self, item: Entry) -> str:
        return settings.SITE_URL + reverse("papers:paper", args=[item.row.paper.arxiv_id])

    def item_guid(self, item: Entry) -> str:
        return self.item_link(item)

    def item_pubdate(self, item: Entry) -> Any:
        return item.item.added if item.item else item.row.paper.published

    def item_author_name(self, item: Entry) -> str:
        return ", ".join(item.row.authors[:20])

    def item_categories(self, item: Entry) -> list[str]:
        return item.row.categories


class CollectionAtom(CollectionRss):
    feed_type = Atom1Feed
    subtitle = CollectionRss.description
