"""Turning catalogue rows into the HF-shaped dictionaries the API returns.

The selectors return :class:`paperfeed.papers.rows.PaperRow` with everything loaded (authors,
categories, the one upvote count, the featured day and its submitter), so building these
dictionaries runs no query.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from paperfeed.papers.rows import PaperRow


def iso_z(value: datetime | date) -> str:
    """A UTC timestamp the way HF writes them: ``2024-10-22T17:59:30.000Z``."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0), tzinfo=UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _user_id(name: str) -> str:
    # HF ids users by an opaque _id; ours is the username, which is unique and stable.
    return name


def paper_dict(row: PaperRow, *, base_url: str, with_featured_days: bool = False) -> dict[str, Any]:
    """HF's paper shape (``paper_info``); ``submittedOnDailyAt``/``By`` when it was featured."""
    paper = row.paper
    result: dict[str, Any] = {
        "id": paper.arxiv_id,
        "title": paper.title,
        "summary": paper.abstract,
        # Authors are not accounts here, so ``_id`` is the position-qualified paper id: unique
        # per byline entry as on HF, and stable across imports of the same byline.
        "authors": [
            {"_id": f"{paper.arxiv_id}:{index}", "name": name, "hidden": False}
            for index, name in enumerate(row.authors)
        ],
        "publishedAt": iso_z(paper.published),
        "upvotes": row.upvotes,
        "discussionId": paper.arxiv_id,
        "numComments": paper.comment_count,
        "githubRepo": paper.code_url or None,
        "githubStars": paper.code_stars if paper.code_url else None,
        "projectPage": paper.project_page or None,
        "paperfeed_url": f"{base_url}/papers/{paper.arxiv_id}",
        "paperfeed_arxiv_url": paper.abs_url,
        "paperfeed_pdf_url": paper.pdf_url,
        "paperfeed_categories": list(row.categories),
        "paperfeed_version": paper.version,
        "paperfeed_updated_at": iso_z(paper.updated),
        "paperfeed_community_upvotes": row.local_upvotes,
        "paperfeed_keywords": list(row.keywords),
        "paperfeed_summary": row.summary or None,
        "paperfeed_summary_source": row.summary_source or None,
    }
    if row.featured_day is not None:
        result["submittedOnDailyAt"] = iso_z(row.featured_day)
        if row.submitter:
            result["submittedOnDailyBy"] = {
                "_id": _user_id(row.submitter),
                "user": row.submitter,
                "fullname": row.submitter_fullname or row.submitter,
            }
    if with_featured_days:
        result["paperfeed_featured_days"] = [day.isoformat() for day in row.featured_days]
    return result


def _thumbnail(row: PaperRow, *, base_url: str) -> str | None:
    """The first-page image's absolute URL (as HF gives one), once the worker has rendered it;
    the same image the cards show."""
    return f"{base_url}{row.thumbnail_url}" if row.thumbnail_url else None


def daily_dict(row: PaperRow, *, base_url: str) -> dict[str, Any]:
    """One entry of ``/api/daily_papers`` (and of a search result): the paper and its listing."""
    paper = row.paper
    inner = paper_dict(row, base_url=base_url)
    return {
        "paper": inner,
        "title": paper.title,
        "summary": paper.abstract,
        "publishedAt": inner.get("submittedOnDailyAt"),
        "numComments": paper.comment_count,
        "submittedBy": (
            {
                "_id": _user_id(row.submitter),
                "name": row.submitter,
                "fullname": row.submitter_fullname or row.submitter,
            }
            if row.submitter
            else None
        ),
        "thumbnail": _thumbnail(row, base_url=base_url),
        "githubRepo": inner["githubRepo"],
        "githubStars": inner["githubStars"],
        "projectPage": inner["projectPage"],
    }


def search_hit_dict(row: PaperRow, *, base_url: str) -> dict[str, Any]:
    """A search result in the daily-paper shape; featured fields only for featured papers."""
    inner = paper_dict(row, base_url=base_url)
    return {
        "paper": inner,
        "title": row.paper.title,
        "summary": row.paper.abstract,
        "publishedAt": inner.get("submittedOnDailyAt"),
        "numComments": row.paper.comment_count,
        "thumbnail": _thumbnail(row, base_url=base_url),
        "githubRepo": inner["githubRepo"],
        "githubStars": inner["githubStars"],
        "projectPage": inner["projectPage"],
    }


def comment_dict(comment: Any) -> dict[str, Any]:
    author = comment.author
    return {
        "id": str(comment.pk),
        "author": (
            {"user": author.get_username(), "fullname": author.get_full_name() or author.username}
            if author is not None and not comment.deleted
            else None
        ),
        "body": "" if comment.deleted else comment.body,
        # Sanitised (nh3) when the comment was written.
        "bodyHtml": "" if comment.deleted else comment.body_html,
        "createdAt": iso_z(comment.created_at),
        "parentId": str(comment.parent_id) if comment.parent_id else None,
        "deleted": comment.deleted,
    }
