"""A slim ICU data library for the frozen kiosk: 31 MB of libicudata down to ~3 MB.

QtCore links ICU, and ICU's data library (`libicudata.so.NN`, one `icudtNN_dat` blob in
ICU's "common data" package format) is the largest file in the bundle. Qt 6 asks ICU for
little: its locales, number and date formats and text boundaries come from Qt's own tables;
ICU serves collation (QCollator), case mapping and normalisation (compiled into libicuuc,
plus the .nrm and .icu data kept here), legacy encodings (QStringConverter) and time-zone
display names. The kiosk sorts nothing by locale, speaks UTF-8 and shows no zone names.

Kept: Unicode properties and names, normalisation, string preparation, confusables, the
supplemental data (likely subtags, plurals, zones and their rules, currencies' codes), the
root and English locales in every tree, root collation (DUCET, so QCollator still sorts
sensibly) and the break-iterator rules. Dropped, with what falls back: per-language display
names for languages, regions, currencies, units and zones (to root/English); collation
tailorings (to root order); the CJK/Thai/Khmer/Lao/Burmese word dictionaries; transliterators;
spelled-out numbers; the table-driven legacy converters (.cnv: UTF-8/16/32, ASCII and
Latin-1 are algorithmic and stay).

`python packaging/icu_slim.py LIB OUT` writes a slim copy of LIB (needs a C compiler);
build.spec calls `slim_library()` and keeps the original when no compiler is found.
Plain Python with no PyInstaller import, so the tests can load it.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

# A top-level .res whose name is a locale id (de, pt_BR, sr_Latn_BA, es_419) holds one
# language's display data; the others (supplementalData, zoneinfo64, plurals...) are shared.
_LOCALE_ID = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]+)*$")
_KEEP_LOCALES = re.compile(r"^(root|pool|res_index|en(_[A-Za-z0-9]+)*)\.res$")
_DROP_TREES = {"translit", "rbnf"}
_NAME_TREES = {"curr", "lang", "region", "unit", "zone"}


def keep_item(name: str) -> bool:
    """Whether an item of the ICU data package (e.g. 'coll/de.res') stays in the kiosk."""
    tree, _, leaf = name.rpartition("/")
    if tree in _DROP_TREES:
        return False
    if tree in _NAME_TREES:
        return bool(_KEEP_LOCALES.match(leaf))
    if tree == "coll":
        return leaf in ("ucadata.icu", "root.res", "res_index.res")
    if tree == "brkitr":
        return not leaf.endswith(".dict") and (
            leaf.endswith(".brk") or bool(_KEEP_LOCALES.match(leaf)))
    if tree:
        return True  # any tree this list does not know about: keep, to be safe
    if leaf.endswith(".cnv"):
        return False
    if leaf.endswith(".res"):
        return not _LOCALE_ID.match(leaf[:-4]) or bool(_KEEP_LOCALES.match(leaf))
    return True  # .icu, .nrm, .spp, .cfu: properties, names, normalisation


def find_package(blob: bytes) -> int:
    """Offset of the ICU common-data package ('CmnD') inside a file."""
    at = blob.find(b"\xda\x27")
    while at >= 0:
        start = at - 2
        if start >= 0 and blob[at + 10:at + 14] == b"CmnD" and blob[at + 6] == 0:  # little-endian
            return start
        at = blob.find(b"\xda\x27", at + 1)
    raise ValueError("no ICU common data package found")


def read_package(blob: bytes, start: int, length: int | None = None) -> tuple[bytes, list[tuple[str, bytes]]]:
    """(header, [(name, item bytes)]) of the package at `start`. The last item runs to
    `length` bytes after `start` (the symbol's size) or, without it, to the end of `blob`."""
    header_size = struct.unpack_from("<H", blob, start)[0]
    toc = start + header_size
    count = struct.unpack_from("<I", blob, toc)[0]
    entries = [struct.unpack_from("<II", blob, toc + 4 + 8 * k) for k in range(count)]
    end = start + length if length is not None else len(blob)
    items = []
    for k, (name_offset, data_offset) in enumerate(entries):
        name_end = blob.index(b"\0", toc + name_offset)
        name = blob[toc + name_offset:name_end].decode("ascii")
        data_end = toc + entries[k + 1][1] if k + 1 < count else end
        items.append((name, blob[toc + data_offset:data_end]))
    return blob[start:toc], items


def write_package(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    """A package in the same format; items stay in their (sorted) order, 16-byte aligned."""
    count = len(items)
    names = b""
    name_offsets = []
    toc_size = 4 + 8 * count
    for name, _ in items:
        name_offsets.append(toc_size + len(names))
        names += name.encode("ascii") + b"\0"
    body = bytearray()
    data_start = toc_size + len(names)
    data_start += -(len(header) + data_start) % 16
    data_offsets = []
    for _, data in items:
        body += b"\0" * (-(len(header) + data_start + len(body)) % 16)
        data_offsets.append(data_start + len(body))
        body += data
    toc = bytearray(struct.pack("<I", count))
    for name_offset, data_offset in zip(name_offsets, data_offsets, strict=True):
        toc += struct.pack("<II", name_offset, data_offset)
    toc += names
    toc += b"\0" * (data_start - len(toc))
    return bytes(header) + bytes(toc) + bytes(body)


def symbol_size(library: Path, symbol: str) -> int | None:
    """The size of `symbol` as `nm` reports it, if nm is here."""
    nm = shutil.which("nm")
    if nm is None:
        return None
    out = subprocess.run([nm, "-D", "-S", "--defined-only", str(library)], capture_output=True,
                         text=True, check=False).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] == symbol:
            return int(parts[1], 16)
    return None


def slim_library(library: Path, out: Path, *, compiler: str | None = None) -> tuple[int, int]:
    """Write a slim copy of ICU's data library to `out`; returns (items kept, items in all).
    Raises RuntimeError when it cannot (no compiler, an unexpected file)."""
    cc = compiler or shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise RuntimeError("no C compiler to build the slim ICU data library")
    match = re.match(r"libicudata\.so\.(\d+)", library.name)
    if match is None:
        raise RuntimeError(f"{library.name} is not an ICU data library")
    symbol = f"icudt{match.group(1)}_dat"
    blob = library.read_bytes()
    start = find_package(blob)
    header, items = read_package(blob, start, symbol_size(library, symbol))
    kept = [(name, data) for name, data in items if keep_item(name.split("/", 1)[-1])]
    package = write_package(header, kept)
    with tempfile.TemporaryDirectory(prefix="icu-slim-") as tmp:
        dat = Path(tmp, "data.dat")
        dat.write_bytes(package)
        asm = Path(tmp, "data.S")
        asm.write_text(
            f'.section .rodata\n.globl {symbol}\n.type {symbol}, @object\n.balign 16\n'
            f'{symbol}:\n.incbin "{dat}"\n.size {symbol}, . - {symbol}\n'
            '.section .note.GNU-stack,"",@progbits\n', encoding="ascii")
        subprocess.run([cc, "-shared", "-nostdlib", "-s", f"-Wl,-soname,{library.name}",
                        "-o", str(out), str(asm)], check=True, capture_output=True)
    return len(kept), len(items)


if __name__ == "__main__":
    kept, total = slim_library(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"kept {kept} of {total} ICU data items: {Path(sys.argv[2]).stat().st_size / 1e6:.1f} MB")
