"""Hostile and malformed XML: every case exits 1 cleanly with file:line[:col]."""

from __future__ import annotations

import re
import time

import pytest

from glideinforge.creation.lib.diagnostics import ConfigError
from glideinforge.creation.lib.xml_tree import read_xml_file

from conftest import factory_xml, run_gfactory

BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{level} "{("&lol" + (str(level - 1) if level > 1 else "") + ";") * 10}">\n'
        for level in range(1, 10)
    )
    + ']>\n<glidein factory_name="&lol9;"/>\n'
)

HOSTILE = {
    "billion laughs": (BOMB, 2, "DOCTYPE declarations are not allowed (no DTDs or entities)"),
    "external entity": (
        '<?xml version="1.0"?>\n<!DOCTYPE g [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        '<glidein factory_name="&x;"/>\n',
        2,
        "DOCTYPE declarations are not allowed (no DTDs or entities)",
    ),
    "doctype after comment": (
        '<!-- hello -->\n<!DOCTYPE glidein SYSTEM "http://example.org/x.dtd">\n<glidein/>\n',
        2,
        "DOCTYPE declarations are not allowed (no DTDs or entities)",
    ),
    "undefined entity": ('<glidein factory_name="&x;"/>\n', 1, "Entity 'x' not defined"),
    "deep nesting": (
        "<glidein>" + "<a>" * 300 + "</a>" * 300 + "</glidein>",
        1,
        "Excessive depth in document",
    ),
    "binary": (bytes(range(1, 256)) * 4, 1, "XML syntax error"),
    "nul bytes": (b"<glidein>\x00</glidein>", 1, "file contains NUL bytes; not an XML document"),
    "empty": ("", 1, "file is empty; expected an XML document"),
    "blank": ("  \n\n ", 1, "file is empty; expected an XML document"),
    "unclosed tag": (
        '<glidein factory_name="f">\n  <entries>\n</glidein>\n',
        3,
        "Opening and ending tag mismatch: entries line 2 and glidein",
    ),
    "truncated": ('<glidein factory_name="f">\n  <entries>\n', 3, "XML syntax error"),
    "less-than in attribute": (
        '<glidein factory_name="a<b"/>\n',
        1,
        "Unescaped '<' not allowed in attributes values",
    ),
    "entity without semicolon": (
        '<glidein factory_name="a &amp b"/>\n',
        1,
        "EntityRef: expecting ';'",
    ),
    "double hyphen in comment": (
        "<glidein>\n<!-- a -- b -->\n</glidein>\n",
        2,
        "Double hyphen within comment",
    ),
    "attribute without value": (
        "<glidein\n comment>\n</glidein>\n",
        2,
        "Specification mandates value for attribute comment",
    ),
    "invalid utf-8": (b'<glidein factory_name="\xff\xfe"/>\n', 1, "XML syntax error"),
    "two roots": ("<glidein/>\n<glidein/>\n", 2, "Extra content at the end of the document"),
}


@pytest.mark.parametrize("case", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_main_file_exits_one_with_its_position(tmp_path, case):
    content, line, message = case
    path = tmp_path / "glideinWMS.xml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    started = time.monotonic()
    result = run_gfactory("validate", path)
    assert time.monotonic() - started < 5
    assert result.code == 1
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert re.match(rf"^{re.escape(str(path))}:{line}(:\d+)?: /: ", first), first
    assert message in first


@pytest.mark.parametrize("case", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_dropin_is_reported_alongside_the_main_files_problems(make_config, case):
    content, line, message = case
    config = make_config(
        factory_xml(root_attrs='loop_delay="x"'), **{"config.d__10-bad.xml": content}
    )
    result = run_gfactory("validate", config.main)
    assert result.code == 1
    dropin = config.directory / "config.d" / "10-bad.xml"
    lines = result.stderr.splitlines()
    # loop_delay starts at column 37 of <glidein factory_name="testfactory" loop_delay="x">
    assert any(item.startswith(f"{config.main}:1:37: /glidein/@loop_delay") for item in lines)
    assert any(item.startswith(f"{dropin}:{line}") and message in item for item in lines), lines


def test_oversized_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.xml"
    path.write_text("<glidein>" + " " * 2000 + "</glidein>")
    with pytest.raises(ConfigError) as raised:
        read_xml_file(path, max_bytes=1000)
    assert str(raised.value) == f"{path}:1: /: file is 2019 bytes, more than the limit of 1000"


def test_wrong_root_element(make_config):
    config = make_config("<glideinWMS factory_name='x'/>\n")
    result = run_gfactory("validate", config.main)
    assert result.code == 1
    assert result.stderr.splitlines()[0] == (
        f"{config.main}:1:1: /glideinWMS: root element must be <glidein>, found <glideinWMS>"
    )


def test_dropin_with_wrong_root_is_reported_not_merged(make_config):
    config = make_config(factory_xml(), **{"config.d__10-x.xml": "<frontend/>"})
    result = config.check()
    assert [str(item) for item in result.errors] == [
        f"{config.directory}/config.d/10-x.xml:1:1: /frontend: root element must be <glidein>, "
        "found <frontend>"
    ]


def test_byte_order_mark_and_processing_instruction_are_fine(make_config):
    config = make_config("\ufeff" + '<?xml version="1.0"?>\n<?app x?>\n' + factory_xml())
    assert config.check().diagnostics == ()
