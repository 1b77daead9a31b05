"""Write a GlideinWMS factory configuration shaped like a production one.

Usage: python benchmarks/make_production_factory.py N [--out DIR] [--seed S]

Shaped after a real OSG factory: a main file whose HTCondor tarballs come from release
directories (``base_dir``, a realistic file count and size) and from a ``tar_file``; 14
``config.d`` drop-ins; N entries, about half enabled; gridtypes in production proportions
(condor 61 %, arc and nordugrid 23 %, cream 14 %, the rest gt2, gt5, batch and ec2);
about 11 attrs per entry drawn from 85 names (string 80 %, int 19 %, expr 1 %); about 2
submit_attrs per entry; a ``comment`` on most entries; nearly all fixed slots. Prints the
main file's path. The release directories are written once and reused.
"""

from __future__ import annotations

import argparse
import itertools
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import quoteattr

from make_factory import write_dropins, write_files

DROPINS = 14
GRIDTYPES = (  # (gridtype, share in %, auth_method, gatekeeper pattern, rsl)
    ("condor", 61.0, "grid_proxy", "{host} {host}:9619", None),
    ("arc", 15.0, "grid_proxy", "{host}", None),
    ("nordugrid", 8.0, "grid_proxy", "{host}", "(queue=grid)(runtimeenvironment=ENV/GLITE)"),
    ("cream", 14.0, "grid_proxy", "{host}:8443/cream-pbs-cms", '[ Queue = "grid" ]'),
    ("gt2", 0.7, "grid_proxy", "{host}/jobmanager-condor", "(queue=grid)(jobtype=single)"),
    ("gt5", 0.7, "grid_proxy", "{host}/jobmanager-pbs", "(queue=grid)"),
    ("batch slurm", 0.3, "grid_proxy", "pilot@{host}", None),
    ("ec2", 0.3, "key_pair+vm_id+vm_type", "https://ec2.{host}", None),
)
# The names real entries carry, most common first, then site-specific ones.
COMMON_ATTRS = (
    ("GLIDEIN_Supported_VOs", "string", "CMS,OSG,DUNE,LIGO"),
    ("GLIDEIN_Max_Walltime", "int", "171000"),
    ("GLEXEC_BIN", "string", "NONE"),
    ("GLIDEIN_Country", "string", "US"),
    ("GLIDEIN_MaxMemMBs", "int", "2500"),
    ("GLIDEIN_CPUS", "string", "1"),
    ("GLIDEIN_REQUIRED_OS", "string", "rhel7"),
    ("GLIDEIN_SEs", "string", "se.{site}.example.org"),
    ("GLIDEIN_CMSSite", "string", "T2_US_{site}"),
    ("GLIDEIN_Retire_Time", "int", "21600"),
)
RARE_STRINGS = (
    "GLIDEIN_DUNESite",
    "GLIDEIN_SE_VONAME_LOWERCASE",
    "GLIDEIN_Site_Alias",
    "GLIDEIN_GLEXEC_VOs",
    "GLIDEIN_Nickname",
    "GLEXEC_JOB",
    "X509_CERT_DIR",
    "GLIDEIN_SE_BASEPATH",
    "VOS_USING_SE_BASEPATH",
    "GLIDEIN_Site_Group",
    "GLIDEIN_Site_Class",
    "GLIDEIN_Glexec_Use",
    "GLIDEIN_Req_MUPJ_gLExec",
    "Site_Req_Explicit_Auth",
    "ENABLE_IPV6",
    "GLIDEIN_DEBUG_OPTIONS",
    "GLIDEIN_PROVIDED_ARCH",
    "FactoryType",
    "GLIDEIN_SE_PATH_Gluex",
    "VOS_USING_SE_OTHER_SUBDIR",
    "PREFER_IPV4",
    "GLIDEIN_Is_Opportunistic",
    "GLIDEIN_Region",
    "GLIDEIN_Site_Status",
    "GLIDEIN_Site_Size",
    "GLIDEIN_SINGULARITY_BINDPATH_DEFAULT",
    "GLIDEIN_Is_Long",
    "GLIDEIN_OSGSite",
    "GLIDEIN_LIGOSite",
    "GLIDEIN_ATLASSite",
    "GLIDEIN_Tier",
    "GLIDEIN_Federation",
    "GLIDEIN_Storage_Path",
    "GLIDEIN_Network",
    "GLIDEIN_Queue",
    "GLIDEIN_Batch_System",
    "GLIDEIN_Gatekeeper_Alias",
    "GLIDEIN_Contact",
    "GLIDEIN_Site_Notes",
    "GLIDEIN_Cluster",
    "GLIDEIN_Partition",
    "GLIDEIN_Account",
    "GLIDEIN_Project",
    "GLIDEIN_Site_Owner",
    "GLIDEIN_Infra",
    "GLIDEIN_OS_Flavor",
    "GLIDEIN_Scratch",
    "GLIDEIN_Squid",
    "GLIDEIN_CVMFS",
    "GLIDEIN_Owner",
    "GLIDEIN_Support",
    "GLIDEIN_Downtime_Feed",
    "GLIDEIN_Monitoring_Tag",
)
RARE_INTS = (
    "GLIDEIN_MaxMemMBs_Estimate_Factor",
    "GLIDEIN_Retire_Time_Spread",
    "RESERVED_DISK",
    "GLIDEIN_Site_Cores",
    "GLIDEIN_Max_Idle",
    "VM_MAX_LIFETIME",
    "TCP_KEEPALIVE_INTERVAL",
    "EXTRA_SLOTS_NUM",
    "GLIDEIN_Job_Max_Time",
    "GLIDEIN_Max_Tail",
    "GLIDEIN_NODES",
    "GLIDEIN_Graceful_Shutdown",
    "GLIDEIN_CLAIM_WORKLIFE",
    "GLIDEIN_CLAIM_WORKLIFE_DYNAMIC",
    "PREEMPT_GRACE_TIME",
    "HOLD_GRACE_TIME",
    "GLIDEIN_Memory_Per_Core",
    "GLIDEIN_Slot_Count",
)
RARE_EXPRS = ("STARTD_DEBUG", "UPDATE_COLLECTOR_WITH_TCP", "USE_MATCH_AUTH")
FLAGS = (
    'const="True" glidein_publish="True" job_publish="True" parameter="True" publish="True"',
    'const="True" glidein_publish="False" job_publish="False" parameter="True" publish="True"',
    'const="False" glidein_publish="False" job_publish="False" parameter="True" publish="True"',
)
SUBMIT_ATTRS = (
    ("+maxMemory", "2500"), ("+xcount", "1"), ("+maxWallTime", "2880"),
    ("+queue", '"grid"'), ("+Project", '"OSG"'), ("request_cpus", "1"),
)  # fmt: skip
RELEASES = (  # (directory, os, version, files, bytes)
    ("condor-24.0.1-x86_64_AlmaLinux9-stripped", "rhel9,default", "24.0.1,default", 900, 90 << 20),
    ("condor-23.0.9-x86_64_AlmaLinux8-stripped", "rhel8", "23.0.9", 850, 80 << 20),
)


def _value(name: str, attr_type: str, site: str, rng: random.Random) -> str:
    if attr_type == "int":
        return str(rng.choice((0, 1, 2, 4, 8, 300, 1200, 3600, 21600, 86400)))
    if attr_type == "expr":
        return (
            "$(STARTD_DEBUG) D_SECURITY"
            if name == "STARTD_DEBUG"
            else rng.choice(("True", "False"))
        )
    return f"{name.lower().removeprefix('glidein_')}-{site.lower()}"


def _attrs(site: str, rng: random.Random) -> list[tuple[str, str, str]]:
    """About 11 attrs: the site's names, the common ones, and a few rarer ones."""
    chosen = [("GLIDEIN_Site", "string", site), ("GLIDEIN_ResourceName", "string", site)]
    chosen += [
        (name, kind, value.format(site=site))
        for name, kind, value in COMMON_ATTRS
        if rng.random() < 0.6
    ]
    rare = rng.randint(0, 6)
    for _ in range(rare):
        draw = rng.random()
        kind, pool = (
            ("expr", RARE_EXPRS) if draw < 0.015 else ("int", RARE_INTS) if draw < 0.18
            else ("string", RARE_STRINGS)
        )  # fmt: skip
        name = rng.choice(pool)
        if name not in {existing for existing, _, _ in chosen}:
            chosen.append((name, kind, _value(name, kind, site, rng)))
    return chosen


def _gridtype(rng: random.Random) -> tuple[str, str, str, str | None]:
    weights = [share for _, share, _, _, _ in GRIDTYPES]
    gridtype, _, auth, gatekeeper, rsl = rng.choices(GRIDTYPES, weights)[0]
    return gridtype, auth, gatekeeper, rsl


def _entry(index: int, rng: random.Random) -> str:
    site = f"Site{index:05d}"
    host = f"ce{index % 5}.{site.lower()}.example.edu"
    gridtype, auth, gatekeeper, rsl = _gridtype(rng)
    # Half enabled; gt2 and gt5 only disabled (GlideinWMS no longer submits to them).
    enabled = "True" if rng.random() < 0.5 and gridtype not in ("gt2", "gt5") else "False"
    extras = f" rsl={quoteattr(rsl)}" if rsl else ""
    if gridtype == "ec2":
        extras += ' vm_id="ami-0123456789abcdef0" vm_type="m5.large"'
    if rng.random() < 0.8:
        extras += f" comment={quoteattr(f'{site}: opened 2021, contact admin@{host}')}"
    layout = "partitionable" if rng.random() < 0.02 else "fixed"
    lines = [
        (
            f'      <entry name="OSG_US_{site}_{gridtype.split()[-1]}" auth_method="{auth}"'
            f' enabled="{enabled}" gatekeeper={quoteattr(gatekeeper.format(host=host))}'
            f' gridtype={quoteattr(gridtype)} trust_domain="grid" verbosity="std"'
            f' work_dir="{"Condor" if gridtype == "condor" else "AUTO"}"{extras}>'
        ),
        "         <config>",
        '            <max_jobs num_factories="1">',
        f'               <default_per_frontend glideins="{rng.randint(10, 5000)}" held="50" idle="100"/>',
        f'               <per_entry glideins="{rng.randint(10, 10000)}" held="1000" idle="2000"/>',
        "               <per_frontends/>",
        "            </max_jobs>",
        '            <release max_per_cycle="20" sleep="0.2"/>',
        '            <remove max_per_cycle="5" sleep="0.2"/>',
        '            <restrictions require_voms_proxy="False"/>',
        f'            <submit cluster_size="10" max_per_cycle="100" sleep="0.2" slots_layout="{layout}">',
        "               <submit_attrs>",
        *(
            f"                  <submit_attr name={quoteattr(name)} value={quoteattr(value)}/>"
            for name, value in rng.sample(SUBMIT_ATTRS, rng.choice((1, 2, 2, 3)))
        ),
        "               </submit_attrs>",
        "            </submit>",
        "         </config>",
        "         <allow_frontends/>",
        "         <attrs>",
        *(
            f'            <attr name="{name}" {rng.choice(FLAGS) if name != "GLIDEIN_Max_Walltime" else FLAGS[2]}'
            f' type="{kind}" value={quoteattr(value)}/>'
            for name, kind, value in _attrs(site, rng)
        ),
        "         </attrs>",
        "         <files/>",
        "         <infosys_refs/>",
        "         <monitorgroups/>",
        "      </entry>",
    ]
    return "\n".join(lines)


_RELEASE_MARK = "written by make_production_factory.py: binary-like content\n"


def _binary_like(rng: random.Random) -> Callable[[int], bytes]:
    """Return a maker of bytes that gzip compresses as it does HTCondor's binaries (to 0.4).

    Short byte strings (opcodes, symbols) repeat with Zipf frequencies.
    """
    tokens = [rng.randbytes(rng.randint(2, 24)) for _ in range(4096)]
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(tokens))))

    def make(size: int) -> bytes:
        return b"".join(rng.choices(tokens, cum_weights=cumulative, k=size // 8 + 1))[:size]

    return make


def _release(directory: Path, files: int, size: int, rng: random.Random) -> None:
    """Write an HTCondor release directory of FILES files and about SIZE bytes, once."""
    marker = directory / ".complete"
    if marker.exists() and marker.read_text(encoding="utf-8") == _RELEASE_MARK:
        return
    shutil.rmtree(directory, ignore_errors=True)
    folders = ("bin", "sbin", "lib", "lib/condor", "libexec", "etc/examples", "include", "man/man1")
    for folder in folders:
        (directory / folder).mkdir(parents=True, exist_ok=True)
    # A few large libraries and many small files, as a stripped release has.
    weights = [rng.paretovariate(1.2) for _ in range(files)]
    total = sum(weights)
    binary = _binary_like(rng)
    for number, weight in enumerate(weights):
        folder = folders[number % len(folders)]
        (directory / folder / f"condor_file_{number:04d}").write_bytes(
            binary(max(64, int(size * weight / total)))
        )
    for daemon in ("condor_master", "condor_startd", "condor_starter"):
        (directory / "sbin" / daemon).write_bytes(binary(4096))
    marker.write_text(_RELEASE_MARK, encoding="utf-8")


def _main_file(files_dir: Path, releases: Path) -> str:
    tarballs = "\n".join(
        f'      <condor_tarball arch="default,x86_64" os="{os}" version="{version}"'
        f' base_dir="{releases / name}"/>'
        for name, os, version, _, _ in RELEASES
    )
    return f"""<glidein factory_name="prodFactory" glidein_name="gfactory_instance" loop_delay="60"
         schedd_name="schedd_glideins2@factory.example.edu,schedd_glideins3@factory.example.edu,schedd_glideins4@factory.example.edu,schedd_glideins5@factory.example.edu"
         factory_collector="factory.example.edu:9618" factory_versioning="False">
   <log_retention>
      <condor_logs max_days="14.0" max_mbytes="100.0" min_days="3.0"/>
      <job_logs max_days="7.0" max_mbytes="100.0" min_days="3.0"/>
      <summary_logs max_days="31.0" max_mbytes="100.0" min_days="3.0"/>
   </log_retention>
   <monitor base_dir="/var/lib/gwms-factory/web-area/monitor" flot_dir="/usr/share/javascriptrrd/flot" javascriptRRD_dir="/usr/share/javascriptrrd/js" jquery_dir="/usr/share/javascriptrrd/flot"/>
   <security key_length="2048" pub_key="RSA" reuse_oldkey_onstartup_gracetime="900">
      <frontends>
         <frontend name="osg" identity="osg@frontend.example.edu">
            <security_classes><security_class name="frontend" username="frontend_osg"/></security_classes>
         </frontend>
         <frontend name="cms" identity="cms@frontend.example.org">
            <security_classes><security_class name="frontend" username="frontend_cms"/></security_classes>
         </frontend>
      </frontends>
   </security>
   <stage base_dir="/var/lib/gwms-factory/web-area/stage" use_symlink="True" web_base_url="http://factory.example.edu/factory/stage"/>
   <submit base_client_log_dir="/var/log/gwms-factory/client" base_client_proxies_dir="/var/lib/gwms-factory/client-proxies" base_dir="/var/lib/gwms-factory/work-dir" base_log_dir="/var/log/gwms-factory/server"/>
   <attrs>
      <attr name="CONDOR_VERSION" const="False" parameter="True" publish="True" type="string" value="default"/>
      <attr name="CONDOR_OS" const="False" parameter="True" publish="True" type="string" value="default"/>
      <attr name="CONDOR_ARCH" const="False" parameter="True" publish="True" type="string" value="default"/>
      <attr name="GLIDEIN_Max_Walltime" const="False" parameter="True" publish="True" type="int" value="171000"/>
      <attr name="USE_CCB" const="True" glidein_publish="True" parameter="True" publish="True" type="string" value="True"/>
   </attrs>
   <entries/>
   <condor_tarballs>
{tarballs}
      <condor_tarball arch="default" os="rhel7" version="9.0.17" tar_file="{files_dir}/condor.tgz"/>
   </condor_tarballs>
   <files>
      <file absfname="{files_dir}/check.sh" executable="True" const="True"/>
   </files>
</glidein>
"""


def write_factory(entries: int, out: Path, seed: int = 1, release_scale: float = 1.0) -> Path:
    """Write the configuration (and the release directories) under ``out``; return the main file.

    ``release_scale`` scales the release directories' size (tests use small ones).
    """
    rng = random.Random(seed)
    releases = (out / "releases").resolve()
    for name, _, _, files, size in RELEASES:
        _release(releases / name, files, int(size * release_scale), random.Random(name))
    texts = [_entry(index, rng) for index in range(entries)]
    main_text = _main_file(write_files(out), releases)
    return write_dropins(out, texts, DROPINS, "osg-sites", main_text)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("entries", type=int)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    out = args.out or Path(__file__).parent / "out" / f"production-{args.entries}"
    print(write_factory(args.entries, out, args.seed))


if __name__ == "__main__":
    main()
