"""The parts of a card that other pages show too, from :mod:`paperfeed.papers.card_html` (one
implementation for the cards and the templates): ``{% load card_parts %}``."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from paperfeed.papers import card_html
from paperfeed.papers.models import Paper
from paperfeed.papers.rows import PaperRow

register = template.Library()


@register.simple_tag
def paper_glance(row: PaperRow) -> SafeString:
    return mark_safe(card_html.glance(row))


@register.simple_tag
def paper_links(paper: Paper) -> SafeString:
    return mark_safe(card_html.links(paper))


@register.simple_tag
def paper_date(paper: Paper, long: bool = False) -> SafeString:
    return mark_safe(card_html.date(paper, long=bool(long)))


@register.simple_tag
def paper_thumbnail(row: PaperRow, describe: bool = False) -> SafeString:
    return mark_safe(card_html.thumbnail(row, describe=bool(describe)))
