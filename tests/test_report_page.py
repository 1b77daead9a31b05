"""gfactory report: one self-contained page, escaped, with what each section promises."""

from __future__ import annotations

import json

import pytest
from lxml import html

from conftest import copy_example, factory_xml, run_gfactory

MONITOR = "var/lib/gwms-factory/web-area/monitor/glideinforge-report.html"


@pytest.fixture
def published(tmp_path):
    config = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"
    out = tmp_path / "out"
    assert run_gfactory("reconfig", config, "--root", out).code == 0
    return config, out


def _page(path):
    return html.fromstring(path.read_bytes())


def test_the_page_lands_in_the_monitor_directory(published):
    config, out = published

    result = run_gfactory("report", config, "--root", out, "--json")

    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["html"] == str(out / MONITOR)
    assert document["entries"] == 4
    assert document["bytes"] == (out / MONITOR).stat().st_size


def test_the_page_is_self_contained(published, tmp_path):
    config, out = published
    assert run_gfactory("report", config, "--root", out, "--html", tmp_path / "r.html").code == 0

    page = _page(tmp_path / "r.html")

    assert page.xpath("//script[@src] | //link[@href] | //img[@src] | //iframe") == []
    assert (
        "http://"
        not in (tmp_path / "r.html")
        .read_text()
        .replace('xmlns="http://www.w3.org/2000/svg"', "")
        .split('<h2 id="details">')[0]
    )


def test_the_sections_hold_the_factory(published, tmp_path):
    config, out = published
    sites = config.parent / "config.d/10-sites.xml"
    sites.write_text(sites.read_text().replace('value="SiteA"', 'value="SiteA2"'))
    assert run_gfactory("reconfig", config, "--root", out).code == 0
    assert run_gfactory("report", config, "--root", out, "--html", tmp_path / "r.html").code == 0

    page = _page(tmp_path / "r.html")

    assert page.get_element_by_id("entry-total").text == "4"
    rows = page.xpath("//table[@id='entries-table']/tbody/tr")
    assert [row.xpath("td[1]/a")[0].text for row in rows] == [
        "CLOUD_ec2_east", "SITE_A_ce1", "SITE_B_slurm", "SITE_C_arc",
    ]  # fmt: skip
    assert [cell.text_content() for cell in rows[1].xpath("td")][:4] == [
        "SITE_A_ce1",
        "yes",
        "condor",
        "SiteA2",
    ]
    detail = page.get_element_by_id("entry-SITE_A_ce1")
    attrs = {
        row.xpath("td[1]/code")[0].text: row.xpath("td")[2].text
        for row in detail.xpath(".//table[@class='attrs']/tbody/tr")
    }
    assert attrs["GLIDEIN_Site"] == "entry SITE_A_ce1 const"
    assert attrs["CONDOR_OS"] == "factory main param"  # a main attr the entry inherits
    statuses = detail.xpath(".//table[@class='files']/tbody/tr/td[4]/text()")
    assert statuses and set(statuses) == {"verified"}
    states = page.xpath("//table[@id='states-table']/tbody/tr")
    assert len(states) == 2
    assert "(live)" in states[0].xpath("td[1]")[0].text_content()
    assert states[0].xpath("td[5]")[0].text == "~SITE_A_ce1"
    assert states[1].xpath("td[5]")[0].text == "first recorded state"
    captions = page.xpath("//figure[@class='plot']/figcaption/text()")
    assert captions[:2] == ["entries per gridtype", "entries per site (the 20 largest)"]
    assert len(page.xpath("//figure[@class='plot'][1]//*[local-name()='rect']")) == 4


def test_a_file_that_fails_its_signature_says_so(published, tmp_path):
    config, out = published
    stage = out / "var/lib/gwms-factory/web-area/stage"
    victim = next((stage / "entry_SITE_A_ce1").glob("constants.*.cfg"))
    victim.write_text("tampered\n")
    assert run_gfactory("report", config, "--root", out, "--html", tmp_path / "r.html").code == 0

    detail = _page(tmp_path / "r.html").get_element_by_id("entry-SITE_A_ce1")

    bad = detail.xpath(".//table[@class='files']/tbody/tr/td[@class='bad']")
    assert len(bad) == 1
    assert "signature problems" in detail.xpath("summary")[0].text_content()


def test_values_are_escaped(make_config, tmp_path):
    hostile = '<attr name="X_NOTE" type="string" value="&lt;script&gt;alert(1)&lt;/script&gt;"/>'
    config = make_config(factory_xml(attrs=hostile))
    target = tmp_path / "r.html"

    result = run_gfactory("report", config.main, "--root", tmp_path / "out", "--html", target)

    assert result.code == 0, result.stderr
    text = target.read_text()
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert len(_page(target).xpath("//script")) == 1  # the page's own
