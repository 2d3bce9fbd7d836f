"""files.count_lines: the record total of a JSON-lines input, when it is cheap to know."""

from __future__ import annotations

import gzip

from paperfeed.ingest.parsers import files


def test_count_lines_of_plain_files_and_folders(tmp_path):
    (tmp_path / "2026-03-02.jsonl").write_bytes(b'{"id": 1}\n{"id": 2}\n')
    (tmp_path / "2026-03-03.jsonl").write_bytes(b'{"id": 3}\n{"id": 4}')  # no final newline
    (tmp_path / "README.md").write_bytes(b"not\nrecords\n")
    (tmp_path / "empty.jsonl").write_bytes(b"")
    assert files.count_lines(tmp_path / "2026-03-02.jsonl") == 2
    assert files.count_lines(tmp_path / "2026-03-03.jsonl") == 2
    assert files.count_lines(tmp_path) == 4


def test_count_lines_is_unknown_for_what_would_need_decompressing(tmp_path):
    packed = tmp_path / "2026-03-02.jsonl.gz"
    packed.write_bytes(gzip.compress(b'{"id": 1}\n'))
    assert files.count_lines(packed) is None
    assert files.count_lines(tmp_path) is None
    archive = tmp_path / "listings.tar"
    archive.write_bytes(b"")
    assert files.count_lines(archive) is None
