import codecs
import csv
import io
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from core import tabular
from core.tabular import TableReader, clean

ALIASES = {"code": ["mã"], "name": ["tên"], "note": ["ghi chú"]}


def read(data, name="x.csv"):
    return list(TableReader(io.BytesIO(data), name, ALIASES))


def test_csv_values_are_nfc_like_cell_by_cell_normalisation():
    """NFC is applied per line: same values as normalising each cell (marks at the start of a cell, quoted cells
    over several lines, delimiters next to combining marks)."""
    nfd = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
    cells = [
        ["HS-1", "Đất đai", "ghi chú"],
        ["\u0301a", "Nguyễn,\u0300", "dòng 1\ndòng 2 ở đây"],
        ["  x  ", "Hộ tịch ", ""],
    ]
    lines = [",".join(nfd(h) for h in ["mã", "tên", "ghi chú"])]
    for r in cells:
        lines.append(",".join('"' + nfd(c) + '"' for c in r))
    rows = read(("\r\n".join(lines) + "\r\n").encode())
    assert [values for _n, values in rows] == [
        {"code": clean(nfd(a)), "name": clean(nfd(b)), "note": clean(nfd(c))} for a, b, c in cells
    ]
    assert [n for n, _values in rows] == [2, 3, 4]


def test_short_rows_are_padded_and_blank_rows_skipped():
    rows = read("mã;tên;ghi chú\nA1;Tên\n ; \nA2;B;C;D\n".encode())
    assert rows == [(2, {"code": "A1", "name": "Tên", "note": ""}), (4, {"code": "A2", "name": "B", "note": "C"})]


def test_batches_give_the_same_rows_as_columns():
    data = "mã;tên;ghi chú\nA1;Tên\n ; \nA2;B;C;D\n;;\nA3; x ;y\n".encode()
    reader = TableReader(io.BytesIO(data), "x.csv", ALIASES)
    batches = list(reader.batches(2))
    assert [numbers for numbers, _ in batches] == [[2], [4], [6]]
    assert batches[2][1] == {"code": ["A3"], "name": ["x"], "note": ["y"]}
    assert [
        (n, {k: v[i] for k, v in cols.items()}) for numbers, cols in batches for i, n in enumerate(numbers)
    ] == read(data)


# -- the Arrow reader and the Python reader give the same batches ---------------------------------------------
CELL = st.lists(st.sampled_from(list('aA1 ,;"\n\r\tđĐ\u0323') + ["e\u0301", "Nguyễn", "  "]), max_size=6).map("".join)


def both(data, size, name="x.csv"):
    reader = TableReader(io.BytesIO(data), name, ALIASES)
    return list(reader.batches(size)), list(reader._batches_python(size))


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(CELL, min_size=3, max_size=3), max_size=12),
    size=st.integers(1, 5),
    bom=st.booleans(),
    crlf=st.booleans(),
)
def test_arrow_reader_equals_python_reader(rows, size, bom, crlf):
    handle = io.StringIO()
    csv.writer(handle, lineterminator="\r\n" if crlf else "\n").writerows([["mã", "tên", "ghi chú"], *rows])
    data = (codecs.BOM_UTF8 if bom else b"") + unicodedata.normalize("NFD", handle.getvalue()).encode()
    fast, slow = both(data, size)
    assert fast == slow


def test_a_malformed_row_midway_hands_the_rest_to_the_python_reader(monkeypatch):
    """Rows read by Arrow before the malformed one are not read twice; the short row is padded as before."""
    monkeypatch.setattr(TableReader, "ARROW_BLOCK", 64)
    lines = ["mã,tên,ghi chú"] + [f"A{i},Tên {i},x" for i in range(40)] + ["B1,ngắn"] + ["C1,Đất đai,y", "", "C2,z,"]
    data = "\n".join(lines).encode()
    skipped = []
    python_batches = TableReader._batches_python

    def spy(self, size, skip=0):
        skipped.append(skip)
        return python_batches(self, size, skip)

    monkeypatch.setattr(TableReader, "_batches_python", spy)
    reader = TableReader(io.BytesIO(data), "x.csv", ALIASES)
    batches = list(reader.batches(4))
    assert skipped[0] > 0 and skipped[0] % 4 == 0  # Arrow handed out whole batches first
    rows = [(n, {k: v[i] for k, v in cols.items()}) for numbers, cols in batches for i, n in enumerate(numbers)]
    assert [n for n, _row in rows] == list(range(2, 44)) + [45]
    assert rows[40] == (42, {"code": "B1", "name": "ngắn", "note": ""})
    assert rows[-1] == (45, {"code": "C2", "name": "z", "note": ""})
    skipped.clear()
    assert batches == list(TableReader(io.BytesIO(data), "x.csv", ALIASES)._batches_python(4))


def test_invalid_utf8_past_the_sample_goes_to_the_python_reader_which_marks_the_cell(monkeypatch):
    monkeypatch.setattr(tabular, "SAMPLE", 24)  # the bad bytes lie past the sample that chose UTF-8
    data = "mã,tên,ghi chú\nA1,Tên,x\n".encode() + b"A2,T\xe1\xba,y\n"
    rows = read(data)
    assert rows[0] == (2, {"code": "A1", "name": "Tên", "note": "x"})
    assert rows[1][0] == 3 and "\ufffd" in rows[1][1]["name"]


def test_nfc_column_keeps_values_apart():
    assert tabular.nfc_column(["e\u0301", "a\x00b", ""]) == ["é", "a\x00b", ""]
    assert tabular.nfc_column(["Đất đai", "x"]) == ["Đất đai", "x"]


def test_a_damaged_utf8_export_stays_utf8_and_only_the_damaged_row_is_marked():
    good = "".join(f"A{i},Nguyễn Thị Hồng {i},Đất đai\n" for i in range(5))
    data = "mã,tên,ghi chú\n".encode() + good.encode() + b"B1,Tr\xe1\xbbn,x\n" + "C1,Hộ tịch,y\n".encode()
    assert tabular.detect_encoding(data) == "utf-8"
    rows = read(data)
    assert rows[0] == (2, {"code": "A0", "name": "Nguyễn Thị Hồng 0", "note": "Đất đai"})
    assert rows[5][0] == 7 and "\ufffd" in rows[5][1]["name"]
    assert rows[6] == (8, {"code": "C1", "name": "Hộ tịch", "note": "y"})


def test_windows_1258_is_still_recognised():
    text = "mã,tên,ghi chú\nA1,Nguyễn Thị Hồng,Đất đai\nA2,Trần Văn Ấn,Hộ tịch\n"
    data = tabular.encode_cp1258(text)
    assert tabular.detect_encoding(data) == "cp1258"
    assert read(data)[1] == (3, {"code": "A2", "name": "Trần Văn Ấn", "note": "Hộ tịch"})


def test_an_xlsx_zip_bomb_is_refused_before_openpyxl_reads_it(monkeypatch):
    import openpyxl
    import pytest
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from core.archives import MB, ZipLimits

    from .test_archives import xlsx_bomb

    translation.activate("vi")
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("openpyxl read a zip bomb"))
    limits = ZipLimits(max_total_bytes=100 * MB, max_ratio=100, max_entries=100)
    reader = TableReader(io.BytesIO(xlsx_bomb(5)), "export.xlsx", ALIASES, zip_limits=limits)
    with pytest.raises(ValidationError) as exc:
        list(reader)
    assert exc.value.code == "zip_ratio" and "xl/worksheets/sheet1.xml" in exc.value.messages[0]


def test_an_ordinary_xlsx_still_reads_after_the_zip_check():
    from openpyxl import Workbook

    book, buffer = Workbook(), io.BytesIO()
    book.active.append(["Mã", "Tên"])
    book.active.append(["1.004227", "Đăng ký đất đai"])
    book.save(buffer)
    assert read(buffer.getvalue(), "danh-muc.xlsx") == [(2, {"code": "1.004227", "name": "Đăng ký đất đai"})]
