"""Giving back a worker's pages of memory-mapped data files (core/mapped.py, the middleware)."""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.test import override_settings

from paperfeed.core import mapped
from paperfeed.core.middleware import data_file_prefixes

SIZE = 8 * 2**20


@contextmanager
def mapped_file(folder: Path) -> Iterator[mmap.mmap]:
    """An 8 MB file of known bytes under ``folder``, mapped read-only and read through."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "segment.bin"
    path.write_bytes(bytes(range(256)) * (SIZE // 256))
    with path.open("rb") as handle:
        view = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            assert sum(view[i] for i in range(0, SIZE, mapped.PAGE)) >= 0  # every page read
            yield view
        finally:
            view.close()


def resident_kb(path_part: str) -> int:
    """This process's resident kB in its mappings of files whose name holds ``path_part``."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        first = line.split(maxsplit=1)[0]
        if "-" in first and not first.endswith(":"):
            inside = path_part in line
        elif inside and first == "Rss:":
            total += int(line.split()[1])
    return total


def test_release_gives_back_only_the_files_under_the_prefixes_and_they_read_the_same(tmp_path):
    with mapped_file(tmp_path / "data") as inside, mapped_file(tmp_path / "other") as outside:
        assert resident_kb(str(tmp_path / "data")) >= SIZE // 1024 * 0.9
        before = mapped.file_resident_bytes()
        released = mapped.release([str(tmp_path / "data") + os.sep])
        assert released >= SIZE
        assert resident_kb(str(tmp_path / "data")) == 0
        assert resident_kb(str(tmp_path / "other")) >= SIZE // 1024 * 0.9
        assert mapped.file_resident_bytes() <= before - SIZE * 0.9
        # The bytes are the file's, read again from the page cache.
        assert inside[:256] == bytes(range(256))
        assert inside[SIZE - 256 :] == bytes(range(256))
        assert outside[1000] == 1000 % 256


def test_resident_bytes_are_read_anew_each_time_and_a_forked_child_reads_its_own(tmp_path):
    first = mapped.file_resident_bytes()  # the descriptor kept from here on
    with mapped_file(tmp_path / "data"):
        assert mapped.file_resident_bytes() >= first + SIZE * 0.9
        read, write = os.pipe()
        child = os.fork()
        if child == 0:  # the child has not read the file's pages: its own count is lower
            os.close(read)
            os.write(write, str(mapped.file_resident_bytes()).encode())
            os._exit(0)
        os.close(write)
        in_child = int(os.read(read, 64))
        os.close(read)
        os.waitpid(child, 0)
        assert 0 < in_child <= mapped.file_resident_bytes() - SIZE * 0.9
    assert mapped.file_resident_bytes() <= first + SIZE * 0.1


def test_release_of_nothing_mapped_is_zero(tmp_path):
    assert mapped.release([str(tmp_path) + os.sep]) == 0


@pytest.mark.django_db
def test_middleware_gives_the_pages_back_past_the_bound_and_keeps_them_below(client, tmp_path):
    search = tmp_path / "index"
    with (
        override_settings(DATA_DIR=tmp_path / "data", PAPERFEED_SEARCH_INDEX_DIR=str(search)),
        mapped_file(search),
    ):
        with override_settings(PAPERFEED_MAPPED_FILES_MB=0):  # off
            assert client.get("/healthz").status_code == 200
            assert resident_kb(str(search)) > 0
        huge = mapped.file_resident_bytes() // 2**20 + 100
        with override_settings(PAPERFEED_MAPPED_FILES_MB=huge):  # below the bound
            assert client.get("/healthz").status_code == 200
            assert resident_kb(str(search)) > 0
        with override_settings(PAPERFEED_MAPPED_FILES_MB=1):  # past it
            assert client.get("/healthz").status_code == 200
            assert resident_kb(str(search)) == 0


def test_prefixes_are_the_real_folders(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    with override_settings(DATA_DIR=tmp_path / "link", PAPERFEED_SEARCH_INDEX_DIR=""):
        assert data_file_prefixes() == [str(real) + os.sep]
