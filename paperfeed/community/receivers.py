"""Community's reactions to catalogue writes (connected in ``CommunityConfig.ready``)."""

from __future__ import annotations

from typing import Any

from paperfeed.community.models import AuthorClaim


def move_claims_to_kept_author(*, keep_id: int, duplicate_ids: list[int], **_: Any) -> None:
    """Authorship claims follow a merged author instead of being deleted with the duplicate."""
    AuthorClaim.objects.filter(author_id__in=duplicate_ids).update(author_id=keep_id)
