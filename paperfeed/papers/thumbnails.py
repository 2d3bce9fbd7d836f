"""First-page thumbnails: where a paper's image lives on disk, and its URL.

The worker (``paperfeed.ingest.thumbnails``) renders them; ``papers.services.thumbnail_save``
writes the file and its row; ``papers.views.thumbnail`` serves it. One file per paper under
PAPERFEED_THUMBNAIL_DIR, in a folder per month of ids (``2401/2401.00001.webp``) or per
archive (``hep-th/hep-th_9901001.webp``), so no folder grows past a few thousand files.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.urls import reverse

# The card shows the image at most this wide; the file is rendered at this width.
WIDTH = 320
CONTENT_TYPE = "image/webp"


def thumbnail_path(arxiv_id: str) -> Path:
    """The file of the paper with this (normalised, versionless) id."""
    if "/" in arxiv_id:
        archive, _, number = arxiv_id.partition("/")
        folder, name = archive, f"{archive}_{number}"
    else:
        folder, name = arxiv_id[:4], arxiv_id
    return Path(settings.PAPERFEED_THUMBNAIL_DIR) / folder / f"{name}.webp"


def thumbnail_url(arxiv_id: str, updated_at: datetime) -> str:
    """The image's URL; ``?v=`` changes with each new image, so browsers may keep one a year."""
    stamp = format(int(updated_at.timestamp()), "x")
    return f"{reverse('papers:thumbnail', args=[arxiv_id])}?v={stamp}"
