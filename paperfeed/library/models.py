"""A member's library (saved papers, with notes and tags) and collections (named, ordered lists
of papers, private or public).

Privacy: a saved paper, its note and its tags are seen by their member alone; a collection is
seen by others only while it is public. Everything else that reads these tables (the
recommender's training, counts) uses them only in aggregate (docs/architecture.md, "Privacy").
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from paperfeed.papers.models import Paper

# A tag is one short word or phrase, lower case; the forms and the importer normalise to it.
TAG_MAX_LENGTH = 50
NOTE_MAX_LENGTH = 10_000


class Tag(models.Model):
    """One member's tag; a saved paper carries any number of them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="library_tags"
    )
    name = models.CharField(max_length=TAG_MAX_LENGTH)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="tag_once_per_user")]

    def __str__(self) -> str:
        return self.name


class SavedPaper(models.Model):
    """A paper in one member's library. Private: only its member ever sees it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_papers"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="saved_by")
    note = models.TextField(blank=True, max_length=NOTE_MAX_LENGTH)
    tags: models.ManyToManyField[Tag, models.Model] = models.ManyToManyField(
        Tag, blank=True, related_name="saved_papers"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="saved_once_per_user")
        ]
        indexes = [
            models.Index(fields=["user", "-created", "-id"], name="saved_by_user"),
            # Training reads every (user, paper) pair; the recommender asks who saved a paper.
            models.Index(fields=["paper", "user"], name="saved_by_paper"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} saved {self.paper_id}"


class Collection(models.Model):
    """A named, ordered list of papers; private unless its owner makes it public."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collections"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    description = models.TextField(blank=True, max_length=NOTE_MAX_LENGTH)
    is_public = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "slug"], name="collection_slug_per_owner")
        ]
        indexes = [
            models.Index(
                fields=["-updated"], name="collection_public", condition=models.Q(is_public=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner_id}/{self.slug}"


class CollectionItem(models.Model):
    """One paper in a collection, at a position, with an optional note of its own."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="collection_items")
    position = models.PositiveIntegerField(default=0)
    note = models.TextField(blank=True, max_length=NOTE_MAX_LENGTH)
    added = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "paper"], name="item_once_per_collection")
        ]
        indexes = [models.Index(fields=["collection", "position"], name="item_by_position")]

    def __str__(self) -> str:
        return f"{self.paper_id} in {self.collection_id}"
