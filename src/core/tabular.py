"""Streaming readers for CSV/XLSX exports, tolerant of Vietnamese encodings.

CSV: a BOM (UTF-8, UTF-16 LE/BE) decides; UTF-16 without BOM is recognised by its NUL bytes;
otherwise UTF-8 if a sample decodes, else Windows-1258 (whose tones are combining marks). Every
value is normalised to NFC. Rows are yielded one by one with their row number in the file, so a
file of any size is read in constant memory; `progress()` tells how far the reader is (0..1).

A well-formed UTF-8 CSV is parsed by Arrow's C++ reader (pyarrow), several times faster than Python's csv
module on the exports of hundreds of thousands of rows; the first row it cannot take (a row of another width
than the header, bytes that are not UTF-8) hands the rest of the file to the Python reader, which pads short
rows and replaces undecodable bytes so that the engine reports them. Both give the same rows and numbers.

An XLSX is a zip: `core.archives.check_zip` refuses a zip bomb (uncompressed size, compression ratio, entry count)
or a damaged file with a Vietnamese ValidationError before openpyxl inflates anything.
"""

import codecs
import csv
import functools
import io
import itertools
import os
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pa_csv

from core.archives import ZipLimits, check_zip
from core.text import search_key

# Python's csv reader refuses a cell over 128 KB with `_csv.Error`; a file's long cell should reach the import's
# own length check (a bad row with its number), so the limit is 1 MB. Longer than that, the file is refused whole.
CSV_FIELD_LIMIT = 1 << 20
csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))

SAMPLE = 1 << 20


def detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith(codecs.BOM_UTF16_LE) or sample.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    head = sample[:2000]
    if len(head) >= 4 and head.count(b"\x00") * 3 >= len(head):
        # UTF-16 without BOM: ASCII letters leave NUL bytes at odd (LE) or even (BE) positions.
        return "utf-16-le" if head[1::2].count(b"\x00") > head[0::2].count(b"\x00") else "utf-16-be"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3 and len(sample) >= SAMPLE:
            return "utf-8"  # a multi-byte character cut by the end of the sample
    # A damaged UTF-8 export (a few broken sequences among many good ones) stays UTF-8: its damaged rows are then
    # reported one by one, where reading it all as Windows-1258 would garble every letter and the header. Vietnamese
    # in Windows-1258 almost never forms a valid UTF-8 sequence.
    text = sample.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    valid = len(text) - len(text.encode("ascii", "ignore")) - broken  # well-formed non-ASCII characters
    return "utf-8" if valid >= 4 * broken else "cp1258"


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def encode_cp1258(text: str) -> bytes:
    """Encode text as Windows-1258 does (base letters, tones as combining marks): for tests and exports."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", ch)
        tones = "".join(m for m in decomposed if m in _TONES)
        base = unicodedata.normalize("NFC", "".join(m for m in decomposed if m not in _TONES))
        out += (base + tones).encode("cp1258")
    return bytes(out)


def clean[T](value: str | T | None) -> str | T:
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    return unicodedata.normalize("NFC", value).strip()


def nfc_column(values: list[str]) -> list[str]:
    """A list of strings in NFC, normalised as one text (one call; most exports are NFC already: then only a check).
    Stripping first and composing after gives the same values: whitespace composes with nothing."""
    joined = "\x00".join(values)
    if unicodedata.is_normalized("NFC", joined):
        return values
    if joined.count("\x00") >= len(values):  # a value holds the separator itself
        return [unicodedata.normalize("NFC", value) for value in values]
    return unicodedata.normalize("NFC", joined).split("\x00")


def header_map(headers: Iterable[object], aliases: Mapping[str, Iterable[str]]) -> dict[int, str]:
    """Column index -> canonical key, by diacritic-insensitive header names."""
    lookup = {}
    for key, names in aliases.items():
        for name in (key, *names):
            lookup[search_key(name).replace(" ", "_")] = key
    mapping = {}
    for index, header in enumerate(headers):
        key = lookup.get(search_key(clean(str(header or ""))).replace(" ", "_"))
        if key and key not in mapping.values():
            mapping[index] = key
    return mapping


class TableReader:
    """Iterate (row_number, {key: value}) over a CSV or XLSX file object."""

    ARROW_BLOCK = 1 << 20  # bytes the Arrow reader parses at a time

    def __init__(
        self,
        fileobj: BinaryIO,
        filename: str,
        aliases: Mapping[str, Iterable[str]],
        required: Iterable[str] = (),
        zip_limits: ZipLimits | None = None,
    ) -> None:
        self.fileobj, self.filename, self.aliases = fileobj, filename, aliases
        self.zip_limits = zip_limits  # XLSX: core.archives limits (default ZipLimits.for_imports())
        self.required = required
        self.is_xlsx = filename.lower().endswith((".xlsx", ".xlsm"))
        self.encoding = None
        self._size = self._file_size()
        self._total_rows = None
        self._row = 0
        self.columns = {}  # column index -> key
        self.labels = {}  # key -> the file's own header of that column

    def _file_size(self) -> int:
        try:
            pos = self.fileobj.tell()
            self.fileobj.seek(0, os.SEEK_END)
            size = self.fileobj.tell()
            self.fileobj.seek(pos)
            return size or 1
        except (OSError, AttributeError):
            return 1

    def _map_headers(self, headers: Sequence[object]) -> None:
        self.columns = header_map(headers, self.aliases)
        self.labels = {key: clean(str(headers[i])) for i, key in self.columns.items()}

    def missing_columns(self) -> list[str]:
        return [key for key in self.required if key not in self.columns.values()]

    def progress(self) -> float:
        if self.is_xlsx:
            return min(1.0, self._row / self._total_rows) if self._total_rows else 0.0
        try:
            return min(1.0, self.fileobj.tell() / self._size)
        except (OSError, ValueError):
            return 0.0

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(row_number, {key: value}) one row at a time."""
        for numbers, columns in self.batches(1000):
            items = list(columns.items())
            for i, number in enumerate(numbers):
                yield number, {key: values[i] for key, values in items}

    def batches(self, size: int) -> Iterator[tuple[list[int], dict[str, list[Any]]]]:
        """(row_numbers, {key: [values]}) for up to `size` rows at a time: columns, for engines that work on
        whole columns (the dossier event import) rather than on one dict per row."""
        return self._batches_xlsx(size) if self.is_xlsx else self._batches_csv(size)

    def _batches_csv(self, size: int) -> Iterator[tuple[list[int], dict[str, list[str]]]]:
        self.fileobj.seek(0)
        self.encoding = detect_encoding(self.fileobj.read(SAMPLE))
        done = 0  # records handed out by the Arrow reader, should the Python reader have to take over
        if self.encoding in ("utf-8", "utf-8-sig"):
            try:
                for done, numbers, values in self._batches_arrow(size):  # noqa: B007 - read after an error
                    if numbers:
                        yield numbers, values
                return
            except (pa.ArrowInvalid, UnicodeError):
                pass  # a row wider or narrower than the header, bytes that are not UTF-8: the Python reader's way
        yield from self._batches_python(size, skip=done)

    def _open_text(self) -> tuple[io.TextIOWrapper, str, list[str]]:
        """The file as text from its start; reads the header line (delimiter, column mapping)."""
        self.fileobj.seek(0)
        text = io.TextIOWrapper(self.fileobj, encoding=self.encoding, errors="replace", newline="")
        first = text.readline()
        dialect = (
            ";"
            if first.count(";") > first.count(",") and first.count(";") > first.count("\t")
            else ("\t" if first.count("\t") > first.count(",") else ",")
        )
        headers = next(csv.reader([first], delimiter=dialect), [])
        self._map_headers(headers)
        return text, dialect, headers

    def _batches_arrow(self, size: int) -> Iterator[tuple[int, list[int], dict[str, list[str]]]]:
        """Well-formed UTF-8 CSV (every row as wide as the header) parsed by Arrow's C++ reader, streaming block
        by block. Same rows, row numbers, values (NFC, stripped) and batch boundaries as the Python reader, as
        (records read so far, row numbers, columns); raises ArrowInvalid at the first row it cannot take."""
        text, dialect, headers = self._open_text()
        text.detach()
        self.fileobj.seek(0)
        names = [str(i) for i in range(len(headers))]
        reader = pa_csv.open_csv(
            self.fileobj,
            read_options=pa_csv.ReadOptions(skip_rows=1, column_names=names, block_size=self.ARROW_BLOCK),
            parse_options=pa_csv.ParseOptions(delimiter=dialect, newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
        )
        columns = list(self.columns.items())
        pending, rows, read = [], 0, 0
        for record_batch in itertools.chain(reader, [None]):
            if record_batch is not None:
                pending.append(record_batch)
                rows += record_batch.num_rows
            while rows >= size or (record_batch is None and rows):
                table = pa.Table.from_batches(pending)
                chunk, take = table.slice(0, size), min(size, rows)
                pending, rows = table.slice(take).to_batches(), rows - take
                numbers = range(2 + read, 2 + read + take)
                read += take
                self._row = read + 1
                cells = [pc.utf8_trim_whitespace(chunk.column(i)) for i in range(len(names))]
                # A row with nothing in any column is left out (its number is not reused), as by the Python reader.
                blank = functools.reduce(pc.and_, (pc.equal(pc.utf8_length(cell), 0) for cell in cells))
                if pc.any(blank).as_py():
                    keep = pc.invert(blank)
                    numbers = list(itertools.compress(numbers, keep.to_pylist()))
                    cells = [cell.filter(keep) for cell in cells]
                yield read, list(numbers), {key: nfc_column(cells[i].to_pylist()) for i, key in columns}

    def _batches_python(self, size: int, skip: int = 0) -> Iterator[tuple[list[int], dict[str, list[str]]]]:
        """Any CSV the Python way: short rows padded, long rows cut, undecodable bytes replaced (the engine then
        reports the row). `skip`: records already handed out by the Arrow reader."""
        text, dialect, _headers = self._open_text()
        # NFC per line rather than per cell: the same result (delimiters, quotes and line ends are starters
        # that compose with nothing), one call instead of one per cell. CSV cells are strings: only strip.
        reader = csv.reader(map(functools.partial(unicodedata.normalize, "NFC"), text), delimiter=dialect)
        columns = list(self.columns.items())
        width = max(self.columns) + 1 if self.columns else 0
        number = 2
        if skip:
            for _record in itertools.islice(reader, skip):
                pass
            number += skip
        try:
            while True:
                chunk = list(itertools.islice(reader, size))
                if not chunk:
                    return
                numbers = range(number, number + len(chunk))
                number += len(chunk)
                self._row = number - 1
                if not all(chunk) or min(map(len, chunk)) < width:  # blank lines, short rows: the slow way
                    kept = [
                        (n, r + [""] * (width - len(r)))
                        for n, r in zip(numbers, chunk, strict=True)
                        if "".join(r).strip()
                    ]
                    if not kept:
                        continue
                    numbers, chunk = zip(*kept, strict=True)
                cells = list(zip(*chunk, strict=False))
                values = {key: list(map(str.strip, cells[i])) for i, key in columns}
                # A blank row has "" in every column: look for them only if every column has one.
                if values and all("" in v for v in values.values()):
                    blank = {i for i, row in enumerate(chunk) if not "".join(row).strip()}
                    if blank:
                        keep = [i for i in range(len(chunk)) if i not in blank]
                        if not keep:
                            continue
                        numbers = [numbers[i] for i in keep]
                        values = {key: [v[i] for i in keep] for key, v in values.items()}
                yield list(numbers), values
        finally:
            try:
                text.detach()  # leave the caller's file open
            except ValueError:
                pass

    def _batches_xlsx(self, size: int) -> Iterator[tuple[list[int], dict[str, list[Any]]]]:
        from openpyxl import load_workbook

        # A zip bomb or a damaged file is refused (ValidationError in Vietnamese) before openpyxl inflates anything.
        check_zip(self.fileobj, self.filename, self.zip_limits or ZipLimits.for_imports(), kind="XLSX")
        self.fileobj.seek(0)
        workbook = load_workbook(self.fileobj, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            self._total_rows = sheet.max_row or 0
            rows = sheet.iter_rows(values_only=True)
            headers = next(rows, ())
            self._map_headers(headers)
            numbers, values = [], {key: [] for key in self.columns.values()}
            for number, row in enumerate(rows, start=2):
                self._row = number
                if not any(cell not in (None, "") for cell in row):
                    continue
                numbers.append(number)
                for i, key in self.columns.items():
                    values[key].append(clean(row[i]) if i < len(row) else "")
                if len(numbers) >= size:
                    yield numbers, values
                    numbers, values = [], {key: [] for key in self.columns.values()}
            if numbers:
                yield numbers, values
        finally:
            workbook.close()
