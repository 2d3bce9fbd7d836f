"""Signals the catalogue sends, so apps above it react to its writes without papers (or ingest)
importing them."""

from __future__ import annotations

from datetime import date

from django.dispatch import Signal

# (paper id, record source such as "hf_daily" or "hf_scrape", featured day, upvotes at the source)
FeaturedWrite = tuple[int, str, date, int]

papers_imported = Signal()
"""Sent once an import batch has been committed (``transaction.on_commit``), never for a batch
that was rolled back (a failed batch or a dry run), and never inside the write itself.

Sender: ``papers_upsert`` (the function). Keyword arguments, all typed and always present:

- ``paper_ids: list[int]``: the papers the batch created or changed (any stored column, author
  or category list); empty when the batch changed no paper.
- ``featured: list[FeaturedWrite]``: one ``(paper_id, source, day, upvotes)`` tuple per imported
  featured record, in input order, whether or not its featured entry changed: ``source`` is the
  record's source (``"hf_daily"``, ``"hf_scrape"``, ...), ``day`` the featured day (a
  ``datetime.date``), ``upvotes`` the count at the source.

The batch is already committed when receivers run: a receiver that raises is logged and
stops neither the other receivers nor the import (``send_robust``); one that writes does so in
its own transaction.
"""

paper_featured = Signal()
"""Sent once a curator's or a member's featured entry is committed (``featured_add``,
``featured_submit``; imports send ``papers_imported`` instead), with ``send_robust``.

Keyword arguments: ``paper_id: int``, ``day: datetime.date``.
"""

authors_merging = Signal()
"""Sent by ``authors_merge`` inside its transaction, after the paper links have moved and before
the duplicate authors are deleted: an app whose rows point at an author moves them to the kept
one here, or they go with the duplicates (``on_delete=CASCADE``).

Keyword arguments: ``keep_id: int`` (the author kept), ``duplicate_ids: list[int]`` (the
authors about to be deleted).
"""
