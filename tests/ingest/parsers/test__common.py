from __future__ import annotations

import pytest

from paperfeed.ingest.parsers._common import XmlError, local, parse_xml


def test_parse_xml_undeclared_prefix() -> None:
    root = parse_xml(b'<a xsi:schemaLocation="x"><b>t</b><c:d/></a>')
    assert [local(child.tag) for child in root] == ["b", "d"]


def test_parse_xml_refuses_dtd() -> None:
    with pytest.raises(XmlError):
        parse_xml(b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')
    with pytest.raises(XmlError):
        parse_xml(b'<!DOCTYPE a SYSTEM "http://example.org/a.dtd"><a/>')
