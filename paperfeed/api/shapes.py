"""Turning catalogue rows into the HF-shaped dictionaries the API returns.

The papers come decorated by the shared selectors (``author_names``, ``category_list``,
``total_upvotes`` ...), so building these dictionaries runs no query.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from paperfeed.api.selectors import DailyEntry
from paperfeed.papers.models import Paper


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


def paper_dict(
    paper: Paper,
    *,
    base_url: str,
    featured_day: date | None = None,
    submitter: str = "",
    submitter_fullname: str = "",
    featured_days: list[date] | None = None,
) -> dict[str, Any]:
    names: list[str] = getattr(paper, "author_names", [])
    source_upvotes = getattr(paper, "source_upvotes", 0) or 0
    result: dict[str, Any] = {
        "id": paper.arxiv_id,
        "title": paper.title,
        "summary": paper.abstract,
        # Authors are not accounts here, so ``_id`` is the position-qualified paper id: unique
        # per byline entry as on HF, and stable across imports of the same byline.
        "authors": [
            {"_id": f"{paper.arxiv_id}:{index}", "name": name, "hidden": False}
            for index, name in enumerate(names)
        ],
        "publishedAt": iso_z(paper.published),
        "upvotes": source_upvotes + paper.upvote_count,
        "discussionId": paper.arxiv_id,
        "numComments": paper.comment_count,
        "githubRepo": paper.code_url or None,
        "githubStars": paper.code_stars if paper.code_url else None,
        "projectPage": paper.project_page or None,
        "paperfeed_url": f"{base_url}/papers/{paper.arxiv_id}",
        "paperfeed_arxiv_url": paper.abs_url,
        "paperfeed_pdf_url": paper.pdf_url,
        "paperfeed_categories": list(getattr(paper, "category_list", []) or []),
        "paperfeed_version": paper.version,
        "paperfeed_updated_at": iso_z(paper.updated),
        "paperfeed_community_upvotes": paper.upvote_count,
    }
    if featured_day is not None:
        result["submittedOnDailyAt"] = iso_z(featured_day)
        if submitter:
            result["submittedOnDailyBy"] = {
                "_id": _user_id(submitter),
                "user": submitter,
                "fullname": submitter_fullname or submitter,
            }
    if featured_days is not None:
        result["paperfeed_featured_days"] = [day.isoformat() for day in featured_days]
    return result


def daily_dict(entry: DailyEntry, *, base_url: str) -> dict[str, Any]:
    paper = entry.paper
    paper.source_upvotes = entry.source_upvotes  # type: ignore[attr-defined]
    inner = paper_dict(
        paper,
        base_url=base_url,
        featured_day=entry.day,
        submitter=entry.submitter_name,
        submitter_fullname=entry.submitter_fullname,
    )
    return {
        "paper": inner,
        "title": paper.title,
        "summary": paper.abstract,
        "publishedAt": inner["submittedOnDailyAt"],
        "numComments": paper.comment_count,
        "submittedBy": (
            {
                "_id": _user_id(entry.submitter_name),
                "name": entry.submitter_name,
                "fullname": entry.submitter_fullname or entry.submitter_name,
            }
            if entry.submitter_name
            else None
        ),
        "githubRepo": inner["githubRepo"],
        "githubStars": inner["githubStars"],
        "projectPage": inner["projectPage"],
    }


def search_hit_dict(paper: Paper, *, base_url: str) -> dict[str, Any]:
    """A search result in the daily-paper shape; featured fields only for featured papers."""
    featured_day = getattr(paper, "featured_day", None)
    inner = paper_dict(paper, base_url=base_url, featured_day=featured_day)
    return {
        "paper": inner,
        "title": paper.title,
        "summary": paper.abstract,
        "publishedAt": inner.get("submittedOnDailyAt"),
        "numComments": paper.comment_count,
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
