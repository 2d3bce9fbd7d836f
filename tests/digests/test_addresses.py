"""digests/addresses.py: address, category and keyword checks (pure)."""

from __future__ import annotations

import pytest

from paperfeed.digests import addresses


class TestAddresses:
    def test_addresses_are_normalised_with_idna_domains(self):
        assert addresses.normalize_address("reader@Bücher.DE") == "reader@xn--bcher-kva.de"
        assert addresses.normalize_address("reader@xn--bcher-kva.de") == "reader@xn--bcher-kva.de"

    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "no-at-sign",
            "a@b",
            "reader@example.org\r\nBcc: victim@example.org",
            "reader@example.org\nSubject: hi",
            "Reader <reader@example.org>",
            "zoë@example.org",  # needs SMTPUTF8
            "x" * 300 + "@example.org",
            None,
        ],
    )
    def test_bad_addresses_get_a_clear_error(self, raw):
        with pytest.raises(addresses.InputError) as caught:
            addresses.normalize_address(raw)
        assert str(caught.value)

    def test_categories_and_keywords(self):
        assert addresses.clean_categories("cs.CL, cs.LG") == ["cs.CL", "cs.LG"]
        assert addresses.clean_categories(["cs.CL", "math", "cs.CL"]) == ["cs.CL", "math"]
        with pytest.raises(addresses.InputError):
            addresses.clean_categories(["cs.CL; DROP TABLE"])
        assert addresses.clean_keywords("Speech, diffusion models ,speech") == [
            "Speech",
            "diffusion models",
        ]
        with pytest.raises(addresses.InputError):
            addresses.clean_keywords(["bad\x00word"])
        with pytest.raises(addresses.InputError):
            addresses.clean_keywords(["x" * 61])
