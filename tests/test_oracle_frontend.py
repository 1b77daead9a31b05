"""GlideinWMS judges frontend configurations: glideinforge accepts what GlideinWMS's parser accepts.

GlideinWMS's frontend reconfig asks the factory collectors over the network, so
only its parser and validator (``gwms accepts-frontend``) can answer here. What
they refuse, glideinforge refuses; what they accept, glideinforge accepts,
except for the checks the README lists as stricter than GlideinWMS (most are
what GlideinWMS's own reconfig or its daemon refuses later).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_frontend import BASE as _BASE

from glideinforge.frontend.load import check_frontend

from oracle import Verdict, accepts_frontend, agreement, requires_oracle, stricter_codes

pytestmark = requires_oracle


def _frontend(attrs: str = "", group: str = "", **replace: str) -> str:
    text = _BASE.replace("ATTRS", attrs).replace("GROUP", group)
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def _credentials(credential: str) -> str:
    return f"<security><credentials>{credential}</credentials></security>"


CASES = {
    "plain": _frontend(),
    "match_expr calling __import__": _frontend(
        group="<match match_expr=\"__import__('os').system('id')\"/>"
    ),
    "match_expr on an undeclared job attr": _frontend(
        group="<match match_expr=\"job['Missing'] == 1\"/>"
    ),
    "match_expr that does not parse": _frontend(group='<match match_expr="job["/>'),
    "start_expr that does not parse": _frontend(group='<match start_expr="a =="/>'),
    "an unknown Singularity use": _frontend(
        attrs='<attr name="GLIDEIN_Singularity_Use" value="MAYBE"/>'
    ),
    "a published attr name with a dash": _frontend(
        attrs='<attr name="A-B" value="1" glidein_publish="True"/>'
    ),
    "an attr name with a dash": _frontend(attrs='<attr name="A-B" value="1"/>'),
    "words in an int attr": _frontend(attrs='<attr name="A" value="x" type="int"/>'),
    "a group name with a point": _frontend().replace('name="main"', 'name="ma.in"'),
    "a frontend name with a point": _frontend().replace(
        'frontend_name="fe1"', 'frontend_name="fe.1"'
    ),
    "a group name starting with XPVO": _frontend().replace('name="main"', 'name="XPVOx"'),
    "no schedds": _frontend().replace('<schedd fullname="schedd.org" DN="/CN=schedd"/>', ""),
    "no factory collectors": _frontend().replace(
        '<collector node="f.org" DN="/CN=f" factory_identity="gf@f.org" my_identity="fe@f.org"/>',
        "",
    ),
    "an unknown credential type": _frontend(
        group=_credentials(
            '<credential absfname="/t" type="bogus" trust_domain="grid" security_class="c"/>'
        )
    ),
    "a missing credential file": _frontend(
        group=_credentials(
            '<credential absfname="/nonexistent/t" type="idtoken" trust_domain="grid" security_class="c"/>'
        )
    ),
    "a named credential": _frontend(
        group=_credentials(
            '<credential name="tok" absfname="/t" type="idtoken" trust_domain="grid" security_class="c"/>'
        )
    ),
    "a comment on a list": _frontend().replace("<collectors>", '<collectors comment="pool">', 1),
    "an unknown removal type": _frontend(group='<config><glideins_removal type="BOGUS"/></config>'),
    "an executable that is not constant": _frontend().replace(
        "</attrs>",
        "</attrs><files><file absfname='/etc/hostname' executable='True' const='False'/></files>",
    ),
    "two primary collectors": _frontend().replace(
        '<collector node="pool.org:9618" DN="/CN=pool"/>',
        '<collector node="pool.org:9618" DN="/CN=pool"/><collector node="pool2.org:9618" DN="/CN=pool2"/>',
    ),
    "a negative limit": _frontend(group='<config><idle_glideins_per_entry max="-1"/></config>'),
    "words in a limit": _frontend(group='<config><idle_glideins_per_entry max="many"/></config>'),
    "an unknown symmetric key": _frontend().replace(
        "<collectors>", '<security sym_key="rot13"/><collectors>', 1
    ),
    "a lower-case boolean": _frontend().replace('enabled="True"', 'enabled="true"'),
    "a boolean that is neither": _frontend().replace('enabled="True"', 'enabled="yes"'),
    "a relative work dir": _frontend().replace('<work base_dir="/w"', '<work base_dir="w"'),
    "an unknown attribute": _frontend().replace(
        '<work base_dir="/w"', '<work bogus="1" base_dir="/w"'
    ),
    "an unknown element": _frontend().replace("<attrs>", "<bogus/><attrs>"),
    "a comment on the root": _frontend().replace(
        "<frontend frontend_name", '<frontend comment="x" frontend_name'
    ),
    "a comment on a group": _frontend().replace(
        '<group name="main"', '<group comment="x" name="main"'
    ),
    "conflicting attrs": _frontend(attrs='<attr name="A" value="1"/><attr name="A" value="2"/>'),
    "identical attrs": _frontend(attrs='<attr name="A" value="1"/><attr name="A" value="1"/>'),
    "a repeated group": _frontend().replace(
        "</groups>", '<group name="main" enabled="False"/></groups>'
    ),
    "a line break in a value": _frontend(attrs='<attr name="A" value="a&#10;b"/>'),
    "a CCB": _frontend().replace(
        "<attrs>", '<ccbs><ccb node="ccb.org" DN="/CN=ccb"/></ccbs><attrs>'
    ),
    "an expr referring to an undefined attr": _frontend(
        attrs='<attr name="A" value="$$(NOPE)" type="expr"/>'
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_glideinforge_accepts_what_glideinwms_accepts(name, tmp_path, monkeypatch):
    config = tmp_path / "frontend.xml"
    config.write_text(CASES[name], encoding="utf-8")
    answer = accepts_frontend(config, tmp_path)
    theirs = Verdict(answer.accepted, (answer.output,))
    monkeypatch.chdir(tmp_path)
    check = check_frontend(Path(config))
    codes = frozenset(item.code for item in check.errors)
    ours = Verdict(check.valid, tuple(str(item) for item in check.errors[:3]), codes)
    problem = agreement(ours, theirs, stricter_codes())
    assert problem is None, (name, problem, ours, theirs)


def test_the_stricter_checks_are_documented_with_the_breakage_they_prevent():
    rows = stricter_codes()
    assert len(rows) > 10
    for code, row in rows.items():
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert len(cells) == 3, row
        assert re.fullmatch(r"`[a-z_]+\.[a-z_]+`", cells[0]), code
        assert len(cells[2]) > 20, f"{code}: say what breaks"
