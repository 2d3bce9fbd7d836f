"""A paper as Markdown, for scripts and language-model agents (`GET /papers/{id}.md`).

The same text answers `Accept: text/markdown` on `/papers/{id}` (see middleware.py), and is
what huggingface_hub's ``read_paper`` fetches.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

from paperfeed.papers import selectors
from paperfeed.papers.rows import PaperRow

CONTENT_TYPE = "text/markdown; charset=utf-8"


def paper_markdown(row: PaperRow, *, base_url: str) -> str:
    """Title, byline, links, dates, categories, counts and abstract as CommonMark."""
    paper, names, categories = row.paper, row.authors, row.categories
    links = [f"[arXiv]({paper.abs_url})", f"[PDF]({paper.pdf_url})"]
    if paper.code_url:
        links.append(f"[Code]({paper.code_url})")
    if paper.project_page:
        links.append(f"[Project page]({paper.project_page})")
    links.append(f"[paperfeed]({base_url}/papers/{paper.arxiv_id})")
    lines = [
        f"# {paper.title}",
        "",
        f"**Authors:** {', '.join(names) if names else 'unknown'}",
        "",
        f"**arXiv:** {paper.arxiv_id}v{paper.version} · "
        f"**Published:** {paper.published.date().isoformat()}"
        + (f" · **Categories:** {', '.join(categories)}" if categories else ""),
        "",
        f"**Links:** {' · '.join(links)}",
        "",
        f"**Upvotes:** {row.upvotes} · **Comments:** {paper.comment_count}",
    ]
    if row.featured_days:
        lines += ["", f"**Featured on:** {', '.join(d.isoformat() for d in row.featured_days)}"]
    if paper.code_stars is not None and paper.code_url:
        lines += ["", f"**GitHub stars:** {paper.code_stars}"]
    if row.keywords:
        lines += ["", f"**Keywords:** {', '.join(row.keywords)}"]
    if row.summary:
        label = (
            "AI-written summary" if row.summary_source == "ai" else "Summary (from the abstract)"
        )
        lines += ["", f"**{label}:** {row.summary}"]
    lines += ["", "## Abstract", "", paper.abstract or "(no abstract)", ""]
    return "\n".join(lines)


def not_found_markdown(arxiv_id: str) -> HttpResponse:
    response = HttpResponse(
        f"# Not found\n\nNo paper with the id `{arxiv_id[:60]}`.\n",
        content_type=CONTENT_TYPE,
        status=404,
    )
    return response


def paper_markdown_response(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    row = selectors.paper_detail(arxiv_id=arxiv_id)
    if row is None:
        return not_found_markdown(arxiv_id)
    base_url = request.build_absolute_uri("/").rstrip("/") or settings.SITE_URL
    response = HttpResponse(paper_markdown(row, base_url=base_url), content_type=CONTENT_TYPE)
    patch_vary_headers(response, ["Accept"])
    patch_cache_control(response, public=True, max_age=60)
    return response


def paper_md(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """The view of /papers/<id>.md."""
    if request.method not in ("GET", "HEAD"):
        response = HttpResponse("Only GET.\n", content_type=CONTENT_TYPE, status=405)
        response["Allow"] = "GET, HEAD"
        return response
    return paper_markdown_response(request, arxiv_id)
