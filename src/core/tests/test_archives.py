"""core.archives: zip bombs, lying headers and damaged zips refused before (or while) anything is inflated."""

import io
import struct
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core import archives
from core.archives import MB, ZipLimits, check_zip

LIMITS = ZipLimits(max_total_bytes=50 * MB, max_ratio=100, max_entries=10_000)


@pytest.fixture(autouse=True)
def _vietnamese():
    translation.activate("vi")
    yield
    translation.activate("vi")


def bomb(megabytes, entry="word/document.xml", line=b"<w:p><w:r><w:t>bom nen</w:t></w:r></w:p>"):
    """A small zip whose one entry inflates to `megabytes` of repeated text, written in 1 MB chunks (the test never
    holds the inflated text)."""
    buffer = io.BytesIO()
    chunk = (line * (MB // len(line) + 1))[:MB]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(entry, "w") as stream:
            for _ in range(megabytes):
                stream.write(chunk)
    return buffer.getvalue()


def xlsx_bomb(megabytes, rows=(("Mã sự kiện", "Mã hồ sơ"),)):
    """A real workbook (openpyxl) whose first sheet is followed by `megabytes` of repeated empty rows: valid XML
    that inflates far beyond its size."""
    from openpyxl import Workbook

    book, buffer = Workbook(), io.BytesIO()
    for row in rows:
        book.active.append(list(row))
    book.save(buffer)
    sheet = "xl/worksheets/sheet1.xml"
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != sheet:
                target.writestr(info, source.read(info))
                continue
            head, tail = source.read(info).decode().split("</sheetData>")
            filler = ("<row/>" * (MB // 6 + 1))[: MB - MB % 6].encode()
            with target.open(sheet, "w") as stream:
                stream.write(head.encode())
                for _ in range(megabytes):
                    stream.write(filler)
                stream.write(("</sheetData>" + tail).encode())
    return out.getvalue()


def lying(data, entry, declared):
    """The zip with `entry`'s uncompressed size in the central directory replaced by `declared`."""
    data = bytearray(data)
    end = data.rindex(b"PK\x05\x06")  # end of central directory: its offset at +16
    at = struct.unpack_from("<I", data, end + 16)[0]
    while True:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        name = bytes(data[at + 46 : at + 46 + name_len]).decode()
        if name == entry:
            struct.pack_into("<I", data, at + 24, declared)
            return bytes(data)
        extra, comment = struct.unpack_from("<HH", data, at + 30)
        at += 46 + name_len + extra + comment


def refused(data, limits=LIMITS, **kwargs):
    with pytest.raises(ValidationError) as exc:
        check_zip(data, "bom.docx", limits, **kwargs)
    return exc.value


def test_a_bomb_over_the_total_is_refused_from_the_directory_without_inflating(monkeypatch):
    data = bomb(60)
    assert len(data) < 300_000  # 60 MB of text in a small file
    monkeypatch.setattr(archives, "iter_entry", lambda *a, **k: pytest.fail("inflated a refused zip"))
    error = refused(data)
    assert error.code == "zip_too_large"
    assert "“bom.docx”" in error.messages[0] and "60 MB" in error.messages[0] and "giới hạn 50 MB" in error.messages[0]


def test_a_high_ratio_entry_under_the_total_is_refused():
    error = refused(bomb(3))
    assert error.code == "zip_ratio"
    assert "word/document.xml" in error.messages[0] and "100:1" in error.messages[0] and "bom nén" in error.messages[0]


def test_too_many_entries_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(12):
            archive.writestr(f"part{i}.xml", "<x/>")
    error = refused(buffer.getvalue(), ZipLimits(max_total_bytes=MB, max_ratio=100, max_entries=10))
    assert error.code == "zip_entries" and "12 thành phần" in error.messages[0] and "giới hạn 10" in error.messages[0]


def test_a_header_that_lies_about_the_size_is_caught_while_reading():
    # Declared 1 KB (passes the directory checks); the bounded stream stops there and the CRC does not match.
    error = refused(lying(bomb(3), "word/document.xml", 1024))
    assert error.code == "zip_damaged" and "bị hỏng" in error.messages[0]


@pytest.mark.parametrize("data", [b"PK\x03\x04 not really a zip", b"", b"PK" + b"\x00" * 100])
def test_a_damaged_zip_is_a_clear_error(data):
    error = refused(data, kind="XLSX")
    assert error.code == "zip_damaged" and "XLSX" in error.messages[0] and "bị hỏng" in error.messages[0]


def test_an_ordinary_office_file_passes_and_the_file_is_left_at_its_start():
    from openpyxl import Workbook

    buffer = io.BytesIO()
    book = Workbook()
    for i in range(2000):
        book.active.append([f"E{i}", f"HS-{i}", "Tiếp nhận", "02/03/2026 08:30", "Nguyễn Văn Đông"])
    book.save(buffer)
    buffer.seek(123)
    summary = check_zip(buffer, "export.xlsx", LIMITS, kind="XLSX")
    assert buffer.tell() == 0
    assert "xl/worksheets/sheet1.xml" in summary.names and summary.total_bytes > summary.compressed_bytes > 0


def test_read_entry_is_bounded_by_the_budget():
    with zipfile.ZipFile(io.BytesIO(bomb(2)), "r") as archive:
        with pytest.raises(ValidationError, match="vượt giới hạn"):
            archives.read_entry(archive, "word/document.xml", MB, "bom.docx")
        assert archives.read_entry(archive, "[Content_Types].xml", MB) == b"<Types/>"


def test_limits_come_from_settings(settings):
    settings.EISO = {**settings.EISO, "ZIP_MAX_UNCOMPRESSED_MB": 2, "ZIP_MAX_RATIO": 7, "ZIP_MAX_ENTRIES": 3}
    assert ZipLimits.for_uploads() == ZipLimits(max_total_bytes=2 * MB, max_ratio=7, max_entries=3)
    assert ZipLimits.for_imports().max_ratio == 7 and ZipLimits.for_imports().max_total_bytes > 2 * MB
