"""The factory's RSA key: made in a child while a create compiles, written once, kept."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from glideinforge.factory import rsa_key

from compile_helpers import gfactory_run
from conftest import copy_example

WORK = Path("var/lib/gwms-factory/work-dir")


def _tagged(bits: int) -> str:
    """Stands for a key: names the process that made it."""
    return f"made by {os.getpid()} with {bits} bits\n"


def test_a_started_key_is_made_in_a_child_and_written_when_published(tmp_path, monkeypatch):
    monkeypatch.setattr(rsa_key, "_private_key_pem", _tagged)
    job = rsa_key.start_rsa_key(tmp_path, 1024)
    assert job is not None
    with job:
        assert rsa_key.ensure_rsa_key(tmp_path, 1024, job)
    written = (tmp_path / "rsa.key").read_text()
    assert written.endswith(" with 1024 bits\n")
    assert written != _tagged(1024)  # not made by this process
    assert stat.S_IMODE((tmp_path / "rsa.key").stat().st_mode) == 0o600


def test_a_key_made_in_a_child_is_a_pkcs1_rsa_key_of_the_bits_asked(tmp_path):
    job = rsa_key.start_rsa_key(tmp_path, 1024)
    assert job is not None
    with job:
        assert rsa_key.ensure_rsa_key(tmp_path, 1024, job)
    pem = (tmp_path / "rsa.key").read_bytes()
    assert pem.startswith(b"-----BEGIN RSA PRIVATE KEY-----\n")
    key = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    assert key.key_size == 1024


def test_no_key_is_started_where_one_stands_and_a_standing_key_is_kept(tmp_path, monkeypatch):
    (tmp_path / "rsa.key").write_bytes(b"kept")
    assert rsa_key.start_rsa_key(tmp_path, 2048) is None
    monkeypatch.setattr(rsa_key, "_private_key_pem", _tagged)
    assert not rsa_key.ensure_rsa_key(tmp_path, 2048)
    assert (tmp_path / "rsa.key").read_bytes() == b"kept"


def test_a_started_key_left_unused_leaves_nothing_behind(tmp_path):
    job = rsa_key.start_rsa_key(tmp_path, 1024)
    assert job is not None
    with job:
        pass  # the run ended before publishing (an invalid compile)
    assert list(tmp_path.iterdir()) == []


def test_a_create_makes_its_key_in_a_child_with_the_configured_bits(tmp_path, monkeypatch):
    config = copy_example("factory", tmp_path / "cfg") / "glideinWMS.xml"
    monkeypatch.setattr(rsa_key, "_private_key_pem", _tagged)
    code, _, stderr = gfactory_run("reconfig", config, "--root", tmp_path / "out")
    assert code == 0, stderr
    written = (tmp_path / "out" / WORK / "rsa.key").read_text()
    assert written.startswith("made by ")
    assert written.endswith(" with 2048 bits\n")
    assert written != _tagged(2048)
