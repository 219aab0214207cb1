"""A rule pack uploaded as a zip: a hostile or damaged archive is a located 422, never a crash."""

from __future__ import annotations

import io
import zipfile

import pytest

from creditbank.errors import InputInvalid
from creditbank.service import rule_packs


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _damaged() -> bytes:
    data = bytearray(_zip({"small/frame.yaml": b"pack: {}\n" * 50}))
    data[data.index(b"PK\x01\x02") + 16] ^= 0xFF  # the entry's CRC-32, as the directory holds it
    return bytes(data)


def _encrypted() -> bytes:
    data = bytearray(_zip({"small/frame.yaml": b"pack: {}\n"}))
    for marker in (b"PK\x03\x04", b"PK\x01\x02"):  # local header and central directory
        at = data.index(marker)
        flag = 6 if marker == b"PK\x03\x04" else 8
        data[at + flag] |= 0x1
    return bytes(data)


@pytest.mark.parametrize(
    ("archive", "words"),
    [
        pytest.param(
            _zip({"small/frame.yaml": b"a: 1\n", "small/frame.yaml/y.yaml": b"b: 2\n"}),
            "cannot be written",
            id="file-and-folder",
        ),
        pytest.param(
            _zip({"small/" + "x" * 300 + ".yaml": b"a: 1\n"}), "cannot be written", id="long-name"
        ),
        pytest.param(_damaged(), "cannot be unpacked", id="bad-crc"),
        pytest.param(_encrypted(), "encrypted", id="encrypted"),
    ],
)
def test_a_hostile_archive_is_refused_with_the_entry_named(archive: bytes, words: str) -> None:
    with pytest.raises(InputInvalid, match=words):
        rule_packs.findings_of(archive)
