"""Builds on disk: made live atomically, read back memory-mapped, older ones removed."""

from __future__ import annotations

import numpy as np

from paperfeed.core import builds


def _publish(base, values, *, format=1):
    name, tmp = builds.build_start(base)
    assert tmp.name.startswith(".") and not (base / name).exists()
    np.save(tmp / "ids.npy", np.asarray(values, dtype=np.int64))
    return builds.build_publish(
        base, name=name, tmp=tmp, meta={"papers": len(values)}, format=format
    )


def test_nothing_is_live_before_the_first_build(tmp_path):
    assert builds.current_name(tmp_path) is None
    assert builds.build_read(tmp_path, name=None, format=1, arrays=("ids",)) is None


def test_a_published_build_is_live_and_read_back(tmp_path):
    root = _publish(tmp_path, [3, 1, 2])
    assert builds.current_name(tmp_path) == root.name
    found = builds.build_read(tmp_path, name=None, format=1, arrays=("ids",))
    assert found is not None
    read_root, meta, arrays = found
    assert read_root == root
    assert meta == {"papers": 3, "format": 1}
    assert arrays["ids"].tolist() == [3, 1, 2]


def test_a_new_build_replaces_the_old_one_and_other_folders_stay(tmp_path):
    (tmp_path / "notes").mkdir()
    first = _publish(tmp_path, [1])
    second = _publish(tmp_path, [1, 2])
    assert not first.exists() and second.exists()
    assert (tmp_path / "notes").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_another_format_or_a_missing_array_reads_as_none(tmp_path):
    _publish(tmp_path, [1], format=2)
    assert builds.build_read(tmp_path, name=None, format=1, arrays=("ids",)) is None
    assert builds.build_read(tmp_path, name=None, format=2, arrays=("ids", "vectors")) is None
