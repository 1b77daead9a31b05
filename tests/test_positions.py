"""Diagnostics point at the attribute (line and column), not at the end of its start tag."""

from __future__ import annotations

from glideinforge.creation.lib.diagnostics import Diagnostic, Source
from glideinforge.creation.lib.positions import pinpoint

from conftest import factory_xml, run_gfactory


def test_an_attribute_on_a_later_line_of_a_start_tag_is_found_there(make_config):
    entries = """
      <entry name="E1"
             gatekeeper="ce.example.org"
             gridtype="condor" verbosity="loud"
             >
      </entry>"""
    config = make_config(factory_xml(entries=entries))

    result = run_gfactory("validate", config.main)

    lines = config.main.read_text().splitlines()
    row = next(number for number, line in enumerate(lines, 1) if 'verbosity="loud"' in line)
    column = lines[row - 1].index("verbosity") + 1
    assert f"{config.main}:{row}:{column}: /glidein/entries/entry[@name='E1']/@verbosity:" in (
        result.stderr
    )


def test_the_named_element_is_found_among_others_on_its_line(tmp_path):
    config = tmp_path / "c.xml"
    config.write_text(
        '<glidein>\n  <attrs><attr name="A" value="1"/><attr name="B" value="a > b" type="int"/>'
        "</attrs>\n</glidein>\n"
    )
    found = pinpoint(
        [
            Diagnostic(Source(str(config), 2), "/glidein/attrs/attr[@name='B']/@type", "m", "c"),
            Diagnostic(Source(str(config), 2), "/glidein/attrs/attr[@name='A']", "m", "c"),
            Diagnostic(Source(str(config), 2), "/glidein/attrs/attr[@name='Z']/@type", "m", "c"),
            Diagnostic(Source(str(config), 2), "/glidein/attrs/attr[@name='A']/@const", "m", "c"),
        ]
    )

    text = config.read_text().splitlines()[1]
    assert [item.source for item in found] == [
        Source(str(config), 2, text.index('type="int"') + 1),
        Source(str(config), 2, text.index('<attr name="A"') + 1),
        Source(str(config), 2, None),  # not there: left as it was
        Source(str(config), 2, text.index('<attr name="A"') + 1),  # defaulted: at its tag
    ]


def test_a_file_that_cannot_be_read_leaves_the_diagnostic_alone(tmp_path):
    item = Diagnostic(Source(str(tmp_path / "gone.xml"), 3), "/glidein/@x", "m", "c")

    assert pinpoint([item]) == [item]
