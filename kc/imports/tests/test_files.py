"""Reading the legacy files: encodings, delimiters, headers; ZIPs with bombs and bad paths."""

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from kc.imports import archive, csvfile, formats

HEADER = ";".join(formats.ACCOUNTS.columns)


def test_utf8_with_bom_cp1252_and_delimiters_are_detected() -> None:
    text = "konto;kunde;zahlweise;iban;kontoinhaber\nVK1;K1;Überweisung;;Jörg Weiß\n"
    for data, encoding in (
        (b"\xef\xbb\xbf" + text.encode(), "UTF-8 (BOM)"),
        (text.encode(), "UTF-8"),
        (text.encode("cp1252"), "Windows-1252"),
    ):
        parsed = csvfile.parse(data, formats.ACCOUNTS)
        assert parsed.encoding == encoding
        assert parsed.rows[0].values["kontoinhaber"] == "Jörg Weiß"
        assert parsed.rows[0].line == 2
    commas = csvfile.parse(text.replace(";", ",").encode(), formats.ACCOUNTS)
    assert commas.delimiter == ","
    assert commas.rows[0].values["zahlweise"] == "Überweisung"


def test_a_header_without_required_columns_is_refused_with_their_names() -> None:
    with pytest.raises(csvfile.FileRefused, match="fehlen Spalten: iban, kontoinhaber"):
        csvfile.parse(b"konto;kunde;zahlweise\nVK1;K1;x\n", formats.ACCOUNTS)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "leer"),
        (b"  \r\n", "leer"),
        (b"\xff\xfek\x00o\x00", "UTF-16"),
        ("konto;kunde\n".encode("utf-16-le"), "Null-Bytes"),
        (b"konto;kunde;zahlweise;iban;kontoinhaber\nVK1;\x81\x8d;x;;\n", "weder UTF-8"),
    ],
)
def test_unreadable_files_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(csvfile.FileRefused, match=reason):
        csvfile.parse(data, formats.ACCOUNTS)


def test_formula_text_stays_text_and_unknown_columns_are_listed() -> None:
    data = f'{HEADER};altfeld\nVK1;K1;x;;"=HYPERLINK(""http://x"";""y"")";1\n'.encode()
    parsed = csvfile.parse(data, formats.ACCOUNTS)
    assert parsed.rows[0].values["kontoinhaber"] == '=HYPERLINK("http://x";"y")'
    assert parsed.ignored_columns == ["altfeld"]


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _bomb(size: int) -> bytes:
    """A real ZIP of `size` zero bytes in kunden.csv: one flushed deflate block repeated."""
    chunk = b"0" * (1 << 24)
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = block.compress(chunk) + block.flush(zlib.Z_FULL_FLUSH)
    count = size // len(chunk)
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    data = piece * count + b"\x03\x00"  # final empty fixed block
    name = b"kunden.csv"
    local = struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(name), 0
    )
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        20,
        20,
        0,
        8,
        0,
        0,
        crc,
        len(data),
        size,
        len(name),
        0,
        0,
        0,
        0,
        0,
        0,
    )
    offset = len(local) + len(name) + len(data)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central) + len(name), offset, 0)
    return local + name + data + central + name + end


def test_a_2_gb_zip_bomb_is_refused_before_unpacking() -> None:
    bomb = _bomb(2 * 1024**3)
    assert len(bomb) < 5 * 1024 * 1024
    assert zipfile.ZipFile(io.BytesIO(bomb)).infolist()[0].file_size == 2 * 1024**3
    with pytest.raises(archive.ArchiveRefused, match="größer als 500 MB"):
        archive.read_zip(bomb)


def test_zip_guards_paths_member_count_type_and_missing_files() -> None:
    with pytest.raises(archive.ArchiveRefused, match="unzulässigen Pfad"):
        archive.read_zip(_zip({"../kunden.csv": b"x"}))
    with pytest.raises(archive.ArchiveRefused, match="höchstens 50"):
        archive.read_zip(_zip({f"f{n}.txt": b"x" for n in range(51)}))
    with pytest.raises(archive.ArchiveRefused, match="keine ZIP-Datei"):
        archive.read_zip(b"kunde;art\n")
    with pytest.raises(archive.ArchiveRefused, match="Keine der erwarteten Dateien"):
        archive.read_zip(_zip({"liesmich.txt": b"x"}))
    export = archive.read_zip(_zip({"export/Kunden.csv": b"a", "liesmich.txt": b"b"}))
    assert export.files == {"kunden.csv": b"a"}
    assert export.ignored == ["liesmich.txt"]


def test_directory_and_missing_path(tmp_path: Path) -> None:
    (tmp_path / "kunden.csv").write_bytes(b"x")
    assert archive.read_path(tmp_path).files == {"kunden.csv": b"x"}
    with pytest.raises(archive.ArchiveRefused, match="gibt es nicht"):
        archive.read_path(tmp_path / "fehlt")
