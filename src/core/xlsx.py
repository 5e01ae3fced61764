"""Rows for the CSV and XLSX files eISO writes: numbers as number cells with a display format (Excel then writes
them with the reader's own separators, 1.234 and 93,2 on a Vietnamese machine, and they still add up), and text
that a spreadsheet would run as a formula neutralised (formula injection: a unit name "=HYPERLINK(...)" pushed by
one agency's software reached an oversight officer's XLSX as a live link)."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

INTEGER = "#,##0"
DECIMAL = "#,##0.0"


# What Excel, LibreOffice and Google Sheets read as the start of a formula (OWASP's list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Text that would start a formula, prefixed with an apostrophe (shown as text, never run); the rest as given."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """A row for a CSV writer or `sheet.append` with every cell neutralised."""
    return [neutralise(value) for value in values]


def number_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    """The cells of one row for `sheet.append`: integers '#,##0', decimals '#,##0.0', text neutralised.
    Works on write-only sheets (WriteOnlyCell) and ordinary ones alike."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            cells.append(neutralise(value))
            continue
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = INTEGER if isinstance(value, int) else DECIMAL
        cells.append(cell)
    return cells
