"""The factory's RSA key: ``<work>/rsa.key``, made once and kept across reconfigs.

GlideinWMS's factory daemon loads it at start-up (``GlideinDescript.load_pub_key``)
to decrypt what frontends send; without it the daemon cannot start. The key is
a PEM RSA private key (PKCS#1, unencrypted) of ``<security key_length>`` bits,
mode 0600, as GlideinWMS's own reconfig makes it. It is never replaced: the
frontends hold its public half. A create makes it in a child while it compiles
(``start_rsa_key``): OpenSSL takes 30 to 150 ms for 2,048 bits.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from glideinforge.creation.lib.forked_check import ForkedJob, start_in_child

__all__ = ["RSA_KEY", "ensure_rsa_key", "start_rsa_key"]

RSA_KEY = "rsa.key"
_PUBLIC_EXPONENT = 65537


def _private_key_pem(bits: int) -> str:
    """Make a key of ``bits`` bits; return it as PEM text."""
    # Loaded only to make a key: once per work dir.
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: PLC0415

    key = rsa.generate_private_key(public_exponent=_PUBLIC_EXPONENT, key_size=bits)
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.TraditionalOpenSSL,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode("ascii")


def start_rsa_key(work_dir: Path, bits: int) -> ForkedJob | None:
    """Start making the key in a child when ``work_dir`` has none; None when it has one.

    The child answers the key's PEM through its private pipe; nothing is written
    until ``ensure_rsa_key`` is given the job. Leave the job (a context manager)
    to stop the child when the run ends without publishing.
    """
    if (work_dir / RSA_KEY).is_file():
        return None
    return start_in_child(lambda: _private_key_pem(bits), "making the RSA key")


def ensure_rsa_key(work_dir: Path, bits: int, started: ForkedJob | None = None) -> bool:
    """Create ``work_dir/rsa.key`` unless it exists; return whether it was created.

    ``started``: the key's making, begun by ``start_rsa_key`` with the same bits.
    The key is written to a private temporary file, made durable, and linked to
    its name, so a crash leaves either no key or a whole one, and an existing
    key is never overwritten.
    """
    target = work_dir / RSA_KEY
    if target.is_file():
        return False
    pem = (_private_key_pem(bits) if started is None else started()).encode("ascii")
    temporary = work_dir / f".{RSA_KEY}.{os.getpid()}.tmp"
    temporary.unlink(missing_ok=True)
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        temporary.chmod(0o600)  # whatever the umask
        try:
            os.link(temporary, target)
        except FileExistsError:
            return False
        directory = os.open(work_dir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
