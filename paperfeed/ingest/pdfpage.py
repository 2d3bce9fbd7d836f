"""A PDF's first page as a small WebP image, with pypdfium2 and Pillow. No Django imports.

A PDF from the network may be anything: not a PDF, encrypted, a page a mile long, or a file
that crashes or hangs the renderer. :func:`render_first_page` turns every problem it can see
into a :class:`RenderError` with a reason a person can read; :func:`render_isolated` runs it in
a child process with a time and memory limit, so even a crash inside PDFium (C code) is a
recorded failure, never a dead worker.

Run as ``python -m paperfeed.ingest.pdfpage WIDTH QUALITY`` (what :func:`render_isolated`
does): the PDF on stdin; on success exit 0 with ``"<width> <height>\\n"`` and the image on
stdout; on a :class:`RenderError` exit 2 with the reason on stderr.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# A page may be at most this many times as tall as it is wide (or the reverse); beyond that
# it is a poster or a banner, rendered to a bounded height instead of a huge bitmap.
MAX_ASPECT = 3.0
# The child's memory (address space) and time: a PDF that needs more is a failure.
CHILD_MEMORY_BYTES = 1024 * 1024 * 1024
CHILD_TIMEOUT_SECONDS = 60.0
_RENDER_ERROR_EXIT = 2


class RenderError(Exception):
    """The PDF cannot be made into a thumbnail; the message says why."""


@dataclass(frozen=True, slots=True)
class Rendered:
    image: bytes
    width: int
    height: int


def render_first_page(pdf: bytes, *, width: int = 320, quality: int = 70) -> Rendered:
    """Page 1 of ``pdf`` as a WebP ``width`` pixels wide (narrower for a very tall page)."""
    # Imported here: the worker itself never renders (render_isolated), so it never loads
    # PDFium; only the child does.
    import pypdfium2 as pdfium

    if b"%PDF-" not in pdf[:1024]:
        raise RenderError("not a PDF (no %PDF- header)")
    try:
        document = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        # PDFium's error text can be a previous document's ("Incorrect password"), so the
        # PDF's own encryption dictionary decides.
        if b"/Encrypt" in pdf:
            raise RenderError("the PDF is encrypted") from exc
        raise RenderError(f"the PDF cannot be read ({exc})") from exc
    try:
        if len(document) == 0:
            raise RenderError("the PDF has no pages")
        page = document[0]
        page_width, page_height = page.get_size()
        if not (page_width >= 1 and page_height >= 1):
            raise RenderError(f"page 1 has no size ({page_width} by {page_height} pt)")
        scale = width / page_width
        if page_height * scale > width * MAX_ASPECT:
            scale = width * MAX_ASPECT / page_height
        if page_width * scale < width / MAX_ASPECT:
            raise RenderError(f"page 1 is a {page_width:.0f} by {page_height:.0f} pt strip")
        try:
            bitmap = page.render(scale=scale)
        except pdfium.PdfiumError as exc:
            raise RenderError(f"page 1 cannot be rendered ({exc})") from exc
        image = bitmap.to_pil().convert("RGB")
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=quality, method=6)
    return Rendered(image=out.getvalue(), width=image.width, height=image.height)


def render_isolated(
    pdf: bytes,
    *,
    width: int = 320,
    quality: int = 70,
    timeout: float = CHILD_TIMEOUT_SECONDS,
) -> Rendered:
    """:func:`render_first_page` in a child process: a crash, a hang or a memory bomb is a
    :class:`RenderError` here."""
    # The child imports this very module, and pypdfium2, from wherever the worker found them.
    path = os.pathsep.join([str(Path(__file__).resolve().parents[2]), *sys.path])
    try:
        done = subprocess.run(
            [sys.executable, "-m", "paperfeed.ingest.pdfpage", str(width), str(quality)],
            input=pdf,
            capture_output=True,
            timeout=timeout,
            env={**os.environ, "PYTHONPATH": path},
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"rendering took more than {timeout:.0f} s") from exc
    if done.returncode == _RENDER_ERROR_EXIT:
        raise RenderError(done.stderr.decode("utf-8", "replace").strip()[:400] or "unreadable PDF")
    if done.returncode != 0:
        raise RenderError(f"the renderer crashed (exit status {done.returncode})")
    header, _, image = done.stdout.partition(b"\n")
    try:
        image_width, image_height = (int(part) for part in header.split())
    except ValueError as exc:
        raise RenderError("the renderer answered nonsense") from exc
    return Rendered(image=image, width=image_width, height=image_height)


def _limit_memory() -> None:
    try:
        import resource
    except ImportError:  # not on POSIX: the time limit still holds
        return
    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))


def main(argv: list[str]) -> int:
    _limit_memory()
    width, quality = int(argv[0]), int(argv[1])
    try:
        rendered = render_first_page(sys.stdin.buffer.read(), width=width, quality=quality)
    except RenderError as exc:
        sys.stderr.write(str(exc))
        return _RENDER_ERROR_EXIT
    except MemoryError:
        sys.stderr.write("the PDF needs too much memory to render")
        return _RENDER_ERROR_EXIT
    sys.stdout.buffer.write(f"{rendered.width} {rendered.height}\n".encode() + rendered.image)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
