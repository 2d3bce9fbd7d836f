"""A PDF's first page as a WebP thumbnail (paperfeed/ingest/pdfpage.py), on PDFs the tests
write themselves."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from paperfeed.ingest.pdfpage import (
    MAX_ASPECT,
    RenderError,
    render_first_page,
    render_isolated,
)
from tests.helpers import ENCRYPTED_TRAILER, pdf_document


def _image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "WEBP"
    return image.convert("RGB")


def test_page_one_is_rendered_to_a_small_webp_of_the_page():
    rendered = render_first_page(pdf_document(), width=320, quality=70)
    image = _image(rendered.image)
    # Letter paper keeps its shape; the page's black box (top left quarter) is there.
    assert (rendered.width, rendered.height) == image.size
    assert rendered.width == 320 and rendered.height in (414, 415)
    assert image.getpixel((20, 20)) == (0, 0, 0)
    assert image.getpixel((300, 400)) == (255, 255, 255)
    assert len(rendered.image) < 5_000


def test_a_pdf_made_by_pillow_renders_too():
    buffer = io.BytesIO()
    Image.new("RGB", (600, 800), "red").save(buffer, format="PDF")
    image = _image(render_first_page(buffer.getvalue(), width=160).image)
    assert image.width == 160
    red, green, blue = image.getpixel((80, 100))
    assert red > 200 and green < 50 and blue < 50


def test_a_very_tall_page_is_bounded():
    rendered = render_first_page(pdf_document(width=612, height=3000), width=320)
    assert rendered.height <= 320 * MAX_ASPECT and rendered.width < 320


@pytest.mark.parametrize(
    ("pdf", "reason"),
    [
        (b"<html><body>Not found</body></html>", "not a PDF"),
        (b"", "not a PDF"),
        (b"%PDF-1.4\n garbage that is no PDF", "cannot be read"),
        (pdf_document(trailer=ENCRYPTED_TRAILER), "encrypted"),
        (pdf_document(width=5, height=5000), "strip"),
        # Same length, so the cross-reference offsets stay right: a document with no pages.
        (
            pdf_document().replace(b"/Kids [3 0 R] /Count 1", b"/Kids [] /Count 0     "),
            "cannot be read|no pages",
        ),
    ],
)
def test_what_cannot_be_a_thumbnail_says_why(pdf, reason):
    with pytest.raises(RenderError, match=reason):
        render_first_page(pdf)


def test_the_child_process_renders_and_reports_the_same_failures():
    rendered = render_isolated(pdf_document(), width=200)
    assert _image(rendered.image).size == (rendered.width, rendered.height)
    assert rendered.width == 200
    with pytest.raises(RenderError, match="encrypted"):
        render_isolated(pdf_document(trailer=ENCRYPTED_TRAILER))


def test_a_renderer_that_takes_too_long_is_a_failure_not_a_hang():
    with pytest.raises(RenderError, match="took more than"):
        render_isolated(pdf_document(), timeout=0.01)
