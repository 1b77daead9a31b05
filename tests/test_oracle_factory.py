"""GlideinWMS is the judge: glideinforge publishes what GlideinWMS publishes.

Each case is a factory configuration; GlideinWMS answers with its parser and
validator (``gwms accepts-factory``) and, when they accept, its own reconfig
(``gwms upgrade-factory`` on a scratch copy). glideinforge must agree: accept
(``validate`` and ``reconfig`` exit 0) what GlideinWMS publishes, and refuse
the rest. It may refuse more only with one of the checks the README lists as
stricter than GlideinWMS, each with the breakage it prevents.
"""

from __future__ import annotations

import re

import pytest

from oracle import (
    Case,
    agreement,
    assert_daemon_loads,
    glideinforge_verdict,
    glideinwms_verdict,
    requires_oracle,
    stricter_codes,
)

pytestmark = requires_oracle

_MAIN = """<glidein factory_name="f" glidein_name="gfactory_instance" {root}>
 <attrs>{globals}</attrs>
 <entries><entry name="E1" gatekeeper="ce.example.org ce.example.org:9619" gridtype="condor" {entry}>{config}<attrs><attr name="GLIDEIN_Site" value="S"/>{attrs}</attrs>{files}</entry></entries>
 <condor_tarballs><condor_tarball arch="default" os="default" version="default" tar_file="condor.tgz" {tarball}/></condor_tarballs>
 <files>{global_files}</files>{extra}
</glidein>"""
_INPUTS = {"a.sh": b"#!/bin/sh\nexit 0\n", "a.tgz": b"stand-in\n"}


def case(dropins: dict[str, str] | None = None, **parts: str) -> Case:
    """A small factory with ``parts`` filled in (see ``_MAIN``)."""
    slots = dict.fromkeys(re.findall(r"{(\w+)}", _MAIN), "")
    slots.update(parts)
    return Case(_MAIN.format(**slots), dropins or {}, _INPUTS)


def _entry_set(members: str, alias: str = "S1", config: str = "") -> str:
    return (
        f'<entry_sets><entry_set alias="{alias}">{config}<entries>{members}</entries>'
        "</entry_set></entry_sets>"
    )


_LOOSE_ENTRY = (
    '<entry name="L1" gatekeeper="g g:1" enabled="True" gridtype="condor" auth_method="grid_proxy" '
    'trust_domain="grid" work_dir="." verbosity="std"/>'
)


def _in_entry_sets(entry: str) -> str:
    return f"<entry_sets>{entry}</entry_sets>"


_DROPIN_ENTRY = '<entry name="E2" gatekeeper="g g:1"><attrs><attr name="X" value="1" const="False"/></attrs></entry>'
A = '<attr name="X" value="1"/>'

CASES: dict[str, Case] = {
    "plain": case(),
    # repeated items
    "identical attrs in an entry": case(attrs=A + A),
    "attrs with one value and other flags": case(
        attrs=A + '<attr name="X" value="1" publish="True" glidein_publish="True"/>'
    ),
    "conflicting attrs in an entry": case(attrs=A + '<attr name="X" value="2"/>'),
    "attrs with one value and other types": case(attrs=A + '<attr name="X" value="1" type="int"/>'),
    "identical global attrs, const written": case(
        globals='<attr name="X" value="1" const="True"/>' * 2
    ),
    "identical global attrs, const left out": case(globals=A + A),
    "conflicting global attrs": case(
        globals='<attr name="X" value="1" const="True"/><attr name="X" value="2" const="True"/>'
    ),
    "identical entries in one file": Case(
        case().main.replace(
            "</entries>",
            '<entry name="E2" gatekeeper="g g:1"/><entry name="E2" gatekeeper="g g:1"/></entries>',
        ),
        files=_INPUTS,
    ),
    "conflicting entries in one file": Case(
        case().main.replace(
            "</entries>",
            '<entry name="E2" gatekeeper="g g:1"/><entry name="E2" gatekeeper="h h:1"/></entries>',
        ),
        files=_INPUTS,
    ),
    "an entry replaced by a drop-in": case(
        dropins={
            "10-a.xml": '<glidein><entries><entry name="E1" gatekeeper="h h:1"/></entries></glidein>'
        }
    ),
    # const across the global and entry sections
    "const differs, entry in the main file": case(
        globals='<attr name="X" value="1" const="True"/>',
        attrs='<attr name="X" value="1" const="False"/>',
    ),
    "const differs, entry in a drop-in": case(
        globals='<attr name="X" value="1" const="True"/>',
        dropins={"10-a.xml": f"<glidein><entries>{_DROPIN_ENTRY}</entries></glidein>"},
    ),
    "const differs, drop-in with its own global attrs": case(
        globals='<attr name="X" value="1" const="True"/>',
        dropins={
            "10-a.xml": f'<glidein><attrs><attr name="Y" value="1"/></attrs><entries>{_DROPIN_ENTRY}</entries></glidein>'
        },
    ),
    "const differs within one drop-in": case(
        dropins={
            "10-a.xml": f'<glidein><attrs><attr name="X" value="1" const="True"/></attrs><entries>{_DROPIN_ENTRY}</entries></glidein>'
        }
    ),
    "drop-in global attr without const, entry of the drop-in": case(
        dropins={
            "10-a.xml": f'<glidein><attrs><attr name="X" value="1"/></attrs><entries>{_DROPIN_ENTRY}</entries></glidein>'
        }
    ),
    "global attr of a drop-in, const differs from a main entry": case(
        attrs='<attr name="X" value="1" const="True"/>',
        dropins={
            "10-a.xml": '<glidein><attrs><attr name="X" value="1" const="False"/></attrs></glidein>'
        },
    ),
    # entry sets
    "an entry written in entry_sets": case(extra=_in_entry_sets(_LOOSE_ENTRY)),
    "an entry in entry_sets without enabled": case(
        extra=_in_entry_sets(_LOOSE_ENTRY.replace(' enabled="True"', ""))
    ),
    "an entry in entry_sets without verbosity": case(
        extra=_in_entry_sets(_LOOSE_ENTRY.replace(' verbosity="std"', ""))
    ),
    "entries in entry_sets of two files": case(
        extra=_in_entry_sets(_LOOSE_ENTRY),
        dropins={
            "10-a.xml": f"<glidein>{_in_entry_sets(_LOOSE_ENTRY.replace('L1', 'L2'))}</glidein>"
        },
    ),
    "an entry set": case(
        extra=_entry_set(
            '<entry name="M1" gatekeeper="g g:1"/><entry name="M2" gatekeeper="h h:1"/>'
        )
    ),
    "an empty entry set": case(extra=_entry_set("")),
    "an entry set alias that names an entry": case(
        extra=_entry_set('<entry name="M1" gatekeeper="g g:1"/>', alias="E1")
    ),
    "an unknown selection algorithm": case(
        extra=_entry_set(
            '<entry name="M1" gatekeeper="g g:1"/>',
            config='<config><entry_selection algorithm_name="Foo"/></config>',
        )
    ),
    # legacy and documentation
    "comments everywhere": case(
        entry='comment="c"',
        globals='<attr name="X" value="1" comment="c"/>',
        extra='<monitor_footer comment="c"/>',
    ),
    "comment on a list": Case(
        case().main.replace("<attrs>", '<attrs comment="c">', 1), files=_INPUTS
    ),
    "legacy attributes": case(
        entry='schedd_name="s@h"',
        config='<config><restrictions require_glidein_glexec_use="False"/></config>',
        global_files='<file absfname="a.sh" after_group="True"/>',
    ),
    # items of another tag
    "an item of another tag in attrs": case(globals='<atr name="X" value="1"/>'),
    "an item of another tag in entry attrs": case(attrs='<atr name="X" value="1"/>'),
    "an attr in entries": Case(
        case().main.replace("</entries>", '<attr name="E2" gatekeeper="g g:1"/></entries>'),
        files=_INPUTS,
    ),
    "an item of another tag in entries": Case(
        case().main.replace("</entries>", '<entrie name="E2" gatekeeper="g g:1"/></entries>'),
        files=_INPUTS,
    ),
    "an item of another tag in tarballs": Case(
        case().main.replace(
            "</condor_tarballs>",
            '<condor_tarbal arch="x" os="y" version="z" tar_file="condor.tgz"/></condor_tarballs>',
        ),
        files=_INPUTS,
    ),
    "an entry in allow_frontends": Case(
        case().main.replace(
            '<attrs><attr name="GLIDEIN_Site"',
            '<allow_frontends><entry name="fe" security_class="c"/></allow_frontends><attrs><attr name="GLIDEIN_Site"',
            1,
        ),
        files=_INPUTS,
    ),
    "a file in attrs": case(globals='<file absfname="a.sh"/>'),
    "an item of another tag in process_logs": case(
        extra='<log_retention><process_logs><proces_log extension="x"/></process_logs></log_retention>'
    ),
    "an item of another tag in submit_attrs": case(
        config='<config><submit><submit_attrs><submit_atr name="+X" value="1"/></submit_attrs></submit></config>'
    ),
    # relative and odd paths
    "relative input files": case(
        global_files='<file absfname="a.sh" executable="True"/><file absfname="a.tgz" untar="True"/>'
    ),
    "a missing input file": case(global_files='<file absfname="nothere.sh"/>'),
    "a file name that is a directory": case(global_files='<file absfname="sub/"/>'),
    "a missing tarball": Case(
        case().main.replace('tar_file="condor.tgz"', 'tar_file="none.tgz"'), files=_INPUTS
    ),
    "an estimated CPU count next to a fixed one": case(
        attrs='<attr name="GLIDEIN_CPUS" value="4"/>'
        '<attr name="GLIDEIN_ESTIMATED_CPUS" value="8" type="int"/>'
    ),
    "an integer glidein variable that is not an integer": case(
        attrs='<attr name="GLIDEIN_Max_Idle" value="20 minutes" type="string"/>'
    ),
    "an HTCondor tarball that is not a tar": Case(
        case().main, files={**_INPUTS, "condor.tgz": b"not a tarball\n"}
    ),
    "a staged file others may not read": case(global_files='<file absfname="/etc/shadow"/>'),
    "a base_dir that is not HTCondor": Case(
        case().main.replace('tar_file="condor.tgz"', 'base_dir="/tmp"'), files=_INPUTS
    ),
    "tarball lists with blanks": Case(
        case().main.replace('version="default"', 'version="default, 9.0"'), files=_INPUTS
    ),
    "a relative stage directory": case(extra='<stage base_dir="stage" web_base_url="http://h/s"/>'),
    # odd but legal values
    "an empty string attr": case(attrs='<attr name="X" value=""/>'),
    "an int attr with blanks": case(attrs='<attr name="X" value=" 5 " type="int"/>'),
    "an empty int attr": case(attrs='<attr name="X" value="" type="int"/>'),
    "words in an int attr": case(
        attrs='<attr name="GLIDEIN_Max_Idle" value="20 minutes" type="int"/>'
    ),
    "an expr attr": case(attrs='<attr name="GLIDEIN_Start" value="Memory &gt; 1" type="expr"/>'),
    "an expr that does not parse": case(
        attrs='<attr name="GLIDEIN_Start" value="a ==" type="expr"/>'
    ),
    "a line break in a value": case(attrs='<attr name="X" value="a&#10;b"/>'),
    "characters outside latin-1": case(attrs='<attr name="X" value="snow \u2603"/>'),
    "an attr name with a dash": case(attrs='<attr name="X-Y" value="1"/>'),
    "a published attr name with a colon": case(
        attrs='<attr name="X:Y" value="1" glidein_publish="True"/>'
    ),
    "auth methods joined by ;": case(entry='auth_method="grid_proxy;voms_proxy"'),
    "an unknown auth method": case(entry='auth_method="grid_proxyy"'),
    "a slots layout typo": case(config='<config><submit slots_layout="partionable"/></config>'),
    "an unknown verbosity": case(entry='verbosity="loud"'),
    "an odd work dir": case(entry='work_dir="$HOME"'),
    "an odd proxy url": case(entry='proxy_url="squid:3128"'),
    "a trust domain with a blank": case(entry='trust_domain="a b"'),
    "an unknown grid type": Case(
        case().main.replace('gridtype="condor"', 'gridtype="batch foo"'), files=_INPUTS
    ),
    "an unknown grid type, disabled": Case(
        case().main.replace('gridtype="condor"', 'gridtype="batch foo" enabled="False"'),
        files=_INPUTS,
    ),
    "a retired grid type": Case(
        case().main.replace('gridtype="condor"', 'gridtype="gt2"'), files=_INPUTS
    ),
    "a retired grid type, disabled": Case(
        case().main.replace('gridtype="condor"', 'gridtype="gt2" enabled="False"'), files=_INPUTS
    ),
    "an empty gatekeeper": Case(
        case().main.replace('gatekeeper="ce.example.org ce.example.org:9619"', 'gatekeeper=""'),
        files=_INPUTS,
    ),
    "an entry name with a blank": Case(
        case().main.replace('name="E1"', 'name="E 1"'), files=_INPUTS
    ),
    "an entry name with a slash": Case(
        case().main.replace('name="E1"', 'name="E/1"'), files=_INPUTS
    ),
    "a disabled entry": case(entry='enabled="False"'),
    "a boolean that is not True or False": case(entry='enabled="yes"'),
    "a factory-wide boolean that is not True or False": case(root='advertise_with_tcp="yes"'),
    "a negative limit": case(
        config='<config><max_jobs><per_entry glideins="-1"/></max_jobs></config>'
    ),
    "words in a limit": case(
        config='<config><max_jobs><per_entry glideins="many"/></max_jobs></config>'
    ),
    "a cluster size of zero": case(config='<config><submit cluster_size="0"/></config>'),
    "words in a sleep": case(config='<config><submit sleep="abc"/></config>'),
    "words in the loop delay": case(root='loop_delay="soon"'),
    "a factory name with a blank": Case(
        case().main.replace('factory_name="f"', 'factory_name="f g"'), files=_INPUTS
    ),
    "schedd names with blanks": case(root='schedd_name="a@h, b@h"'),
    "per_frontend limits without a security class": case(
        config='<config><max_jobs><per_frontends><per_frontend name="fe" glideins="1"/></per_frontends></max_jobs></config>'
    ),
    "an odd submit attr": case(
        config='<config><submit><submit_attrs><submit_attr name="+Extra" value="&quot;x&quot;"/></submit_attrs></submit></config>'
    ),
    "a submit attr HTCondor refuses": case(
        config='<config><submit><submit_attrs><submit_attr name="a b" value="1"/></submit_attrs></submit></config>'
    ),
    "recoverable exit codes that are not numbers": case(root='recoverable_exitcodes="a,b"'),
    "recoverable exit codes that are a blank": case(root='recoverable_exitcodes=" "'),
    "recoverable exit codes with two blanks": case(root='recoverable_exitcodes="1  2"'),
    "recoverable exit codes with a blank after a comma": case(root='recoverable_exitcodes="1, 2"'),
    "recoverable exit codes with signs and empty parts": case(
        root='recoverable_exitcodes="+5 -1,,7,"'
    ),
    "factory versioning": case(root='factory_versioning="True"'),
    "a relative web url": case(extra='<stage web_base_url="factory/stage"/>'),
    "a repeated singleton": case(
        extra='<stage web_base_url="http://a/s"/><stage web_base_url="http://b/s"/>'
    ),
    "an odd process log": case(
        extra='<log_retention><process_logs><process_log extension="a b" compression="bz2" msg_types="INFO,EXCEPTION"/></process_logs></log_retention>'
    ),
    "an untar dir that climbs": case(
        global_files='<file absfname="a.tgz" untar="True"><untar_options dir="../x"/></file>'
    ),
    "an odd untar condition": case(
        global_files='<file absfname="a.tgz" untar="True"><untar_options cond_attr="a-b"/></file>'
    ),
    "an odd file prefix": case(
        global_files='<file absfname="a.sh" executable="True" prefix="1X"/>'
    ),
    "a username with a blank": case(
        extra='<security><frontends><frontend name="fe" identity="fe@x"><security_classes><security_class name="c" username="a b"/></security_classes></frontend></frontends></security>'
    ),
    "an attr name with a blank": case(attrs='<attr name="X Y" value="1"/>'),
    "a global attr name with a blank": case(globals='<attr name="X Y" value="1"/>'),
    "a security class name with a blank": case(
        extra='<security><frontends><frontend name="fe" identity="fe@x"><security_classes><security_class name="c d" username="u"/></security_classes></frontend></frontends></security>'
    ),
    "a per_frontend name with a blank": case(
        config='<config><max_jobs><per_frontends><per_frontend name="fe:c d" glideins="1"/></per_frontends></max_jobs></config>'
    ),
    "a frontend name with a blank": case(
        extra='<security><frontends><frontend name="f e" identity="fe@x"><security_classes><security_class name="c" username="u"/></security_classes></frontend></frontends></security>'
    ),
    "odd entry names in lists": Case(
        case().main.replace(
            '<attrs><attr name="GLIDEIN_Site"',
            '<allow_frontends><allow_frontend name="a b"/></allow_frontends><monitorgroups><monitorgroup group_name="a b"/></monitorgroups><infosys_refs><infosys_ref ref="r" server="s" type="X"/></infosys_refs><attrs><attr name="GLIDEIN_Site"',
            1,
        ),
        files=_INPUTS,
    ),
    "file kinds at once": case(
        global_files='<file absfname="a.sh" executable="True" wrapper="True"/>'
    ),
    "a period on a plain file": case(global_files='<file absfname="a.sh" period="10"/>'),
    "after_entry on an entry file": case(
        files='<files><file absfname="a.sh" after_entry="True"/></files>'
    ),
    # features
    "on-demand CVMFS without distributions": case(
        attrs='<attr name="GLIDEIN_USE_CVMFSEXEC" value="1" type="int"/>'
    ),
    "on-demand CVMFS off": case(attrs='<attr name="GLIDEIN_USE_CVMFSEXEC" value="0" type="int"/>'),
    "cvmfsexec platforms without sources": case(
        extra='<cvmfsexec_distro sources="" platforms="rhel8-x86_64"/>'
    ),
    "an overload percentage on a constant": case(
        attrs='<attr name="GLIDEIN_OVERLOAD_ENABLED" value="50%"/>'
    ),
    "an overload percentage on a parameter": case(
        attrs='<attr name="GLIDEIN_OVERLOAD_ENABLED" value="50%" const="False"/>'
    ),
    "a singularity requirement GlideinWMS does not know": case(
        attrs='<attr name="GLIDEIN_SINGULARITY_REQUIRE" value="MAYBE"/>'
    ),
    "a reserved global parameter": case(
        globals='<attr name="CONDOR_OS" value="rhel9" const="False"/>'
    ),
    "a published attr whose type clashes with condor_vars.lst": case(
        globals='<attr name="GLIDEIN_Site" value="1" job_publish="True" type="int"/>'
    ),
    "an HTCondor version no tarball serves": case(
        attrs='<attr name="CONDOR_VERSION" value="9.0" const="False"/>'
    ),
    "a published attr that goes nowhere": case(
        attrs='<attr name="X" value="1" const="False" parameter="False"/>'
    ),
    "an unpublished attr that is not a constant": case(
        attrs='<attr name="X" value="1" publish="False" const="False"/>'
    ),
    "a monitoring collector on this host": case(
        extra='<monitoring_collectors><monitoring_collector DN="/CN=x" node="localhost"/></monitoring_collectors>'
    ),
    "two primary monitoring collectors": case(
        extra='<monitoring_collectors><monitoring_collector DN="/CN=x" node="localhost"/><monitoring_collector DN="/CN=y" node="localhost:9619"/></monitoring_collectors>'
    ),
    "a monitoring collector port out of range": case(
        extra='<monitoring_collectors><monitoring_collector DN="/CN=x" node="localhost:99999"/></monitoring_collectors>'
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_glideinforge_publishes_what_glideinwms_publishes(name, tmp_path, monkeypatch):
    folder = tmp_path / "config"
    config = CASES[name].write(folder)
    theirs = glideinwms_verdict(config, folder, tmp_path / "gwms")
    monkeypatch.chdir(folder)
    ours = glideinforge_verdict(config, tmp_path / "ours")
    problem = agreement(ours, theirs, stricter_codes())
    assert problem is None, (name, problem, ours, theirs)
    if ours.published:
        assert_daemon_loads(config, tmp_path / "ours")
