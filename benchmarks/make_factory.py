"""Write a realistic N-entry GlideinWMS factory configuration.

Usage: python benchmarks/make_factory.py N [--out DIR] [--seed S] [--dropins K]

The main file holds the global settings; entries are spread over K config.d
drop-ins as production factories do. Entries look like real ones: 6-19 attrs
of the common names and flag combinations, submit_attrs, full limits, mixed
grid types and auth methods, legacy attributes. Prints the main file's path.
"""

from __future__ import annotations

import argparse
import gzip
import io
import random
import tarfile
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

GRIDTYPES = (
    ("condor", "scitoken", "{host} {host}:9619"),
    ("condor", "grid_proxy", "{host} {host}:9619"),
    ("condor", "scitoken+project_id", "{host} {host}:9619"),
    ("batch slurm", "grid_proxy", "pilot@{host}"),
    ("batch pbs", "grid_proxy", "pilot@{host}"),
    ("arc", "grid_proxy", "{host}"),
    ("ec2", "key_pair+vm_id+vm_type", "https://ec2.{host}"),
)
ATTR_POOL = (
    ("GLIDEIN_Supported_VOs", "string", "CMS,OSG,DUNE"),
    ("GLIDEIN_Max_Walltime", "int", "171000"),
    ("GLIDEIN_MaxMemMBs", "int", "16000"),
    ("GLIDEIN_REQUIRED_OS", "string", "rhel8"),
    ("GLIDEIN_CPUS", "string", "8"),
    ("GLIDEIN_SEs", "string", "se.{site}.example.org"),
    ("GLIDEIN_Retire_Time", "int", "21600"),
    ("GLIDEIN_OVERLOAD_ENABLED", "string", "False"),
    ("GLIDEIN_Resource_Slots", "string", "GPUs,type=main"),
    ("GLIDEIN_ESTIMATED_CPUS", "int", "8"),
    ("GLIDEIN_Country", "string", "US"),
    ("STARTD_DEBUG", "expr", "$(STARTD_DEBUG) D_SECURITY"),
    ("GLIDEIN_Entry_Rank", "expr", "ifThenElse(RequestGPUs > 0, 10, 1)"),
    ("GLEXEC_BIN", "string", "NONE"),
    ("USE_CCB", "string", "True"),
    ("GLIDEIN_DUNESite", "string", "{site}"),
)
FLAGS = (
    'const="True" glidein_publish="True" job_publish="True" parameter="True" publish="True"',
    'const="True" glidein_publish="False" job_publish="False" parameter="True" publish="True"',
    'const="False" glidein_publish="False" job_publish="False" parameter="True" publish="True"',
    'const="True" glidein_publish="True" job_publish="False" parameter="True" publish="True"',
    'const="True" parameter="True" publish="False"',
)
SUBMIT_ATTRS = (
    ("+maxMemory", "16000"),
    ("+xcount", "8"),
    ("+maxWallTime", "2880"),
    ("request_cpus", "8"),
    ("+distro", '"RHEL8"'),
    ("arc_resources", "<WallTime>172800</WallTime>"),
)


def _entry(index: int, rng: random.Random) -> str:
    site = f"Site{index:05d}"
    host = f"ce{index % 7}.{site.lower()}.example.org"
    gridtype, auth, gatekeeper = rng.choice(GRIDTYPES)
    enabled = "False" if rng.random() < 0.1 else "True"
    fixed = [("GLIDEIN_Site", "string", site), ("GLIDEIN_ResourceName", "string", site)]
    count = rng.randint(6, 19) - len(fixed)
    extra = rng.sample(ATTR_POOL, min(count, len(ATTR_POOL)))
    # Names also defined globally keep the global const flag, as they must.
    const_names = {"GLIDEIN_Max_Walltime": FLAGS[2], "USE_CCB": FLAGS[3]}
    lines = [
        (
            f'      <entry name="{site}_{gridtype.split()[-1]}" auth_method="{auth}" enabled="{enabled}"'
            f" gatekeeper={quoteattr(gatekeeper.format(host=host))} gridtype={quoteattr(gridtype)}"
            ' trust_domain="grid" verbosity="std" work_dir="Condor" comment="Entry automatically generated">'
        ),
        "         <config>",
        '            <max_jobs num_factories="1">',
        f'               <default_per_frontend glideins="{rng.randint(10, 5000)}" held="50" idle="100"/>',
        f'               <per_entry glideins="{rng.randint(10, 10000)}" held="1000" idle="2000"/>',
        "               <per_frontends>",
        f'                  <per_frontend name="fe1:frontend" glideins="{rng.randint(1, 500)}" held="5" idle="30"/>',
        "               </per_frontends>",
        "            </max_jobs>",
        '            <release max_per_cycle="20" sleep="0.2"/>',
        '            <remove max_per_cycle="5" sleep="0.2"/>',
        '            <restrictions require_voms_proxy="False" require_glidein_glexec_use="False"/>',
        f'            <submit cluster_size="10" max_per_cycle="100" sleep="0.2" slots_layout="{rng.choice(("fixed", "partitionable"))}">',
        "               <submit_attrs>",
    ]
    for name, value in rng.sample(SUBMIT_ATTRS, rng.randint(1, 4)):
        lines.append(
            f"                  <submit_attr name={quoteattr(name)} value={quoteattr(value)}/>"
        )
    lines += [
        "               </submit_attrs>",
        "            </submit>",
        "         </config>",
        "         <allow_frontends/>",
        "         <attrs>",
    ]
    for name, attr_type, value in [*fixed, *extra]:
        flags = const_names.get(name, rng.choice(FLAGS))
        shown = quoteattr(value.format(site=site))
        lines.append(f'            <attr name="{name}" {flags} type="{attr_type}" value={shown}/>')
    lines += [
        "         </attrs>",
        "         <files/>",
        "         <infosys_refs/>",
        "         <monitorgroups/>",
        "      </entry>",
    ]
    return "\n".join(lines)


def _main_file(files_dir: Path) -> str:
    return f"""<glidein factory_name="benchFactory" glidein_name="gfactory_instance"
         schedd_name="schedd_glideins1@factory.example.org,schedd_glideins2@factory.example.org,schedd_glideins3@factory.example.org"
         factory_collector="factory.example.org:9618">
   <security key_length="2048" pub_key="RSA">
      <frontends>
         <frontend name="fe1" identity="fe1@frontend.example.org">
            <security_classes><security_class name="frontend" username="fe1"/></security_classes>
         </frontend>
      </frontends>
   </security>
   <stage base_dir="/var/lib/gwms-factory/web-area/stage" web_base_url="http://factory.example.org/factory/stage"/>
   <submit base_dir="/var/lib/gwms-factory/work-dir"/>
   <attrs>
      <attr name="CONDOR_VERSION" const="False" parameter="True" publish="True" type="string" value="default"/>
      <attr name="GLIDEIN_Max_Walltime" const="False" parameter="True" publish="True" type="int" value="171000"/>
      <attr name="USE_CCB" const="True" glidein_publish="True" parameter="True" publish="True" type="string" value="True"/>
   </attrs>
   <entries/>
   <condor_tarballs>
      <condor_tarball arch="default" os="default" version="default" tar_file="{files_dir}/condor.tgz"/>
   </condor_tarballs>
   <files>
      <file absfname="{files_dir}/check.sh" executable="True" const="True"/>
   </files>
</glidein>
"""


def _write_stand_in_tarball(path: Path) -> None:
    """Write a small gzip-compressed tar standing for HTCondor (the tarball is only staged).

    Written byte for byte the same each time, so rewriting the configuration changes nothing.
    """
    data = b"stand-in\n" * 1000
    info = tarfile.TarInfo("condor/README")
    info.size = len(data)
    with (
        path.open("wb") as stream,
        gzip.GzipFile(fileobj=stream, mode="wb", mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.USTAR_FORMAT) as tar,
    ):
        tar.addfile(info, io.BytesIO(data))


def write_files(out: Path) -> Path:
    """Write the files a generated main file names (a stand-in tarball, a check script)."""
    files_dir = (out / "files").resolve()
    files_dir.mkdir(parents=True, exist_ok=True)
    _write_stand_in_tarball(files_dir / "condor.tgz")
    (files_dir / "check.sh").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    return files_dir


def write_dropins(
    out: Path, entries: Sequence[str], dropins: int, name: str, main_text: str
) -> Path:
    """Write ``main_text`` as the main file, ``entries`` spread over ``dropins`` drop-ins.

    The drop-ins are ``config.d/NN-<name>.xml`` (the old ones removed). Returns the main
    file's path.
    """
    dropin_dir = out / "config.d"
    dropin_dir.mkdir(parents=True, exist_ok=True)
    for old in dropin_dir.glob("*.xml"):
        old.unlink()
    main = out / "glideinWMS.xml"
    main.write_text(main_text, encoding="utf-8")
    per_file = max(1, -(-len(entries) // dropins))
    for number, start in enumerate(range(0, len(entries), per_file)):
        body = "\n".join(entries[start : start + per_file])
        text = f"<glidein>\n   <entries>\n{body}\n   </entries>\n</glidein>\n"
        (dropin_dir / f"{10 + number:02d}-{name}.xml").write_text(text, encoding="utf-8")
    return main


def write_factory(entries: int, out: Path, seed: int = 1, dropins: int = 10) -> Path:
    """Write the configuration under ``out``; return the main file's path."""
    rng = random.Random(seed)
    texts = [_entry(index, rng) for index in range(entries)]
    return write_dropins(out, texts, dropins, "sites", _main_file(write_files(out)))


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("entries", type=int)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dropins", type=int, default=10)
    args = parser.parse_args()
    out = args.out or Path(__file__).parent / "out" / f"factory-{args.entries}"
    print(write_factory(args.entries, out, args.seed, args.dropins))


if __name__ == "__main__":
    main()
