"""The production-shaped benchmark factory: what it writes, and that both tools accept it."""

from __future__ import annotations

import collections
import re
import sys

from compile_helpers import gfactory_run
from conftest import REPO
from oracle import accepts_factory, requires_oracle

sys.path.insert(0, str(REPO / "benchmarks"))
from make_production_factory import write_factory


def test_the_factory_has_the_shape_of_a_production_one(tmp_path):
    main = write_factory(1000, tmp_path, release_scale=0.01)
    dropins = sorted((tmp_path / "config.d").glob("*.xml"))
    assert len(dropins) == 14
    text = "".join(path.read_text() for path in dropins)
    entries = re.findall(r"<entry .*?</entry>", text, re.DOTALL)
    assert len(entries) == 1000
    heads = [entry[: entry.index(">")] for entry in entries]
    gridtypes = collections.Counter(re.search(r'gridtype="([^"]+)"', head)[1] for head in heads)
    assert 550 <= gridtypes["condor"] <= 670
    assert 180 <= gridtypes["arc"] + gridtypes["nordugrid"] <= 280
    assert 100 <= gridtypes["cream"] <= 180
    assert 400 <= sum('enabled="True"' in head for head in heads) <= 600
    assert sum("comment=" in head for head in heads) >= 700
    attrs = re.findall(r'<attr name="[^"]+" [^>]*type="(\w+)"', text)
    assert 9 <= len(attrs) / 1000 <= 13
    kinds = collections.Counter(attrs)
    assert kinds["string"] / len(attrs) >= 0.75 and kinds["expr"] / len(attrs) <= 0.03
    assert len(set(re.findall(r'<attr name="([^"]+)"', text))) >= 70
    assert 1.5 <= text.count("<submit_attr ") / 1000 <= 2.5
    assert text.count('slots_layout="fixed"') >= 950
    main_text = main.read_text()
    assert len(re.findall(r"<condor_tarball [^>]*base_dir=", main_text)) == 2
    assert len(re.findall(r"<condor_tarball [^>]*tar_file=", main_text)) == 1
    releases = list((tmp_path / "releases").rglob("condor_file_*"))
    assert len(releases) >= 1500


def test_glideinforge_validates_it_without_a_warning(tmp_path):
    main = write_factory(200, tmp_path, release_scale=0.01)
    code, stdout, stderr = gfactory_run("validate", main)
    assert code == 0, stderr
    assert "0 error(s), 0 warning(s)" in stdout


@requires_oracle
def test_glideinwms_accepts_it(tmp_path):
    main = write_factory(200, tmp_path, release_scale=0.01)
    answer = accepts_factory(main, tmp_path)
    assert answer.accepted, answer.output
