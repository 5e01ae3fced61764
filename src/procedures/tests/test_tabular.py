import io
import unicodedata

from procedures.tabular import TableReader, clean

ALIASES = {"code": ["mã"], "name": ["tên"], "note": ["ghi chú"]}


def read(data, name="x.csv"):
    return list(TableReader(io.BytesIO(data), name, ALIASES))


def test_csv_values_are_nfc_like_cell_by_cell_normalisation():
    """NFC is applied per line: same values as normalising each cell (marks at the start of a cell, quoted cells
    over several lines, delimiters next to combining marks)."""
    nfd = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
    cells = [["HS-1", "Đất đai", "ghi chú"], ["\u0301a", "Nguyễn,\u0300", "dòng 1\ndòng 2 ở đây"],
             ["  x  ", "Hộ tịch ", ""]]
    lines = [",".join(nfd(h) for h in ["mã", "tên", "ghi chú"])]
    for r in cells:
        lines.append(",".join('"' + nfd(c) + '"' for c in r))
    rows = read(("\r\n".join(lines) + "\r\n").encode())
    assert [values for _n, values in rows] == [
        {"code": clean(nfd(a)), "name": clean(nfd(b)), "note": clean(nfd(c))} for a, b, c in cells]
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
    assert [(n, {k: v[i] for k, v in cols.items()}) for numbers, cols in batches for i, n in enumerate(numbers)] \
        == read(data)
