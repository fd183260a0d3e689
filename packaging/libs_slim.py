"""Shared libraries the frozen kiosk need not carry twice, or at all: used by build.spec.

* **One OpenSSL.** psycopg2-binary brings its own OpenSSL 3 (`libssl-<hash>.so.3`,
  `libcrypto-<hash>.so.3`, ~7 MB) beside the one Python's `ssl` module already puts in the
  bundle. OpenSSL keeps its ABI across 3.x and versions every symbol, so when every symbol
  the wheel's libraries (libpq, libldap, libsasl...) import from OpenSSL is defined by the
  bundled pair, with the same version tag, the wheel's names become links to that pair.
  When `objdump` is missing or a symbol is not found, the wheel's copies stay.
  `.ci/build_frozen.sh` runs the frozen relay on PostgreSQL when a server answers.
* **The host's D-Bus.** QtDBus (loaded by the X11 platform plugin, for accessibility)
  links libdbus-1, which PyInstaller copies from the build machine together with
  libsystemd and its compression and crypto libraries (~3.5 MB). Every Linux that runs a
  display has libdbus-1 and a libsystemd matching its own init system, so the kiosk uses
  the host's rather than the build machine's.

Plain Python with no PyInstaller import, so the tests can load it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path, PurePosixPath

# Host libraries left to the target system: libdbus-1 and what only libsystemd needs.
# (libzstd stays: QtCore links it too.)
HOST_LIBS: list[str] = [
    "libdbus-1.so.3",
    "libsystemd.so.0",
    "libgcrypt.so.20",
    "libgpg-error.so.0",
    "liblz4.so.1",
    "libcap.so.2",
]

_WHEEL_OPENSSL = re.compile(r"^(libssl|libcrypto)-[0-9a-f]{8}\.so\.3$")

TocEntry = tuple[str, str, str]


def keep_host_lib(dest: str) -> bool:
    """False for a library the target system provides (HOST_LIBS), at the bundle's top."""
    path = PurePosixPath(dest)
    return not (len(path.parts) == 1 and path.name in HOST_LIBS)


def _symbols(path: str, objdump: str) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(imported, defined) dynamic symbols of a library as (version, name) pairs."""
    out = subprocess.run([objdump, "-T", path], capture_output=True, text=True, check=True).stdout
    imported: set[tuple[str, str]] = set()
    defined: set[tuple[str, str]] = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 4 or not parts[-2].strip("()").startswith("OPENSSL"):
            continue
        pair = (parts[-2].strip("()"), parts[-1])
        (imported if "*UND*" in line else defined).add(pair)
    return imported, defined


def share_openssl(binaries: list[TocEntry], *, objdump: str | None = None) -> tuple[list[TocEntry], str]:
    """Replace the wheel's private OpenSSL with links to the bundled one when that is safe.
    Returns the new TOC and a line saying what was done."""
    objdump = objdump or shutil.which("objdump")
    bundled = {Path(dest).name: src for dest, src, kind in binaries
               if dest in ("libssl.so.3", "libcrypto.so.3") and kind == "BINARY"}
    private = [(dest, src) for dest, src, kind in binaries
               if _WHEEL_OPENSSL.match(Path(dest).name) and kind == "BINARY"]
    if not private:
        return binaries, "no private OpenSSL"
    if objdump is None or set(bundled) != {"libssl.so.3", "libcrypto.so.3"}:
        return binaries, "kept the private OpenSSL (no objdump, or no bundled OpenSSL)"
    private_dirs = {str(PurePosixPath(dest).parent) for dest, _ in private}
    users = [src for dest, src, kind in binaries
             if kind in ("BINARY", "EXTENSION") and not _WHEEL_OPENSSL.match(Path(dest).name)
             and (str(PurePosixPath(dest).parent) in private_dirs or "psycopg2" in dest)]
    needed: set[tuple[str, str]] = set()
    for src in users:
        needed |= _symbols(src, objdump)[0]
    provided: set[tuple[str, str]] = set()
    for src in bundled.values():
        provided |= _symbols(src, objdump)[1]
    missing = needed - provided
    if missing:
        example = sorted(missing)[0]
        return binaries, f"kept the private OpenSSL: {len(missing)} symbols missing, e.g. {example}"
    out: list[TocEntry] = []
    for dest, src, kind in binaries:
        name = Path(dest).name
        match = _WHEEL_OPENSSL.match(name)
        if match and kind == "BINARY":
            depth = len(PurePosixPath(dest).parts) - 1
            target = "../" * depth + f"{match.group(1)}.so.3"
            out.append((dest, target, "SYMLINK"))
        else:
            out.append((dest, src, kind))
    return out, (f"linked {len(private)} private OpenSSL libraries to the bundled ones "
                 f"({len(needed)} symbols checked)")
