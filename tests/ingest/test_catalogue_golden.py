"""The importer stores exactly the catalogue the start commit (``f1cdfda``) stored for a fixture
archive with hostile lines, on either path (parsed here or in a second process), and importing
it again changes nothing. See ``tests/ingest/catalogue_golden.py`` for the inputs and the dump."""

from __future__ import annotations

import pytest

from tests.ingest.catalogue_golden import build_inputs, dump, expected, import_all

pytestmark = pytest.mark.django_db(transaction=True)


def _assert_same(found: dict, wanted: dict) -> None:
    # Section by section, so that a failure names the first rows that differ.
    assert sorted(found) == sorted(wanted)
    for section in sorted(wanted):
        if found[section] != wanted[section]:
            if isinstance(wanted[section], dict):
                keys = sorted(set(found[section]) | set(wanted[section]))
                differ = [k for k in keys if found[section].get(k) != wanted[section].get(k)]
                first = differ[0]
                pytest.fail(
                    f"{section}: {len(differ)} differ, first {first}: "
                    f"{found[section].get(first)} != {wanted[section].get(first)}"
                )
            missing = [row for row in wanted[section] if row not in found[section]][:3]
            extra = [row for row in found[section] if row not in wanted[section]][:3]
            pytest.fail(f"{section}: missing {missing}, unexpected {extra}")


@pytest.mark.parametrize("parse_process", [False, True], ids=["reader thread", "second process"])
def test_the_import_stores_what_the_start_commit_stored(tmp_path, parse_process):
    inputs = build_inputs(tmp_path / "inputs")
    runs = import_all(inputs, parse_process=parse_process)
    wanted = expected()
    assert [list(run) for run in runs] == wanted.pop("runs")
    _assert_same(dump(), wanted)


def test_importing_the_same_inputs_again_changes_nothing(tmp_path):
    inputs = build_inputs(tmp_path / "inputs")
    first = import_all(inputs, parse_process=False)
    stored = dump()
    again = import_all(inputs, parse_process=False)
    assert [new + updated for new, updated, _, _ in again] == [0] * len(inputs)
    assert [rejected for *_, rejected in again] == [rejected for *_, rejected in first]
    assert dump() == stored
