"""XLSX rows whose numbers are number cells with a display format: Excel then writes them with the reader's own
separators (1.234 and 93,2 on a Vietnamese machine), and they still add up."""

from decimal import Decimal

INTEGER = "#,##0"
DECIMAL = "#,##0.0"


def number_row(sheet, values):
    """The cells of one row for `sheet.append`: integers '#,##0', decimals '#,##0.0', the rest as given.
    Works on write-only sheets (WriteOnlyCell) and ordinary ones alike."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            cells.append(value)
            continue
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = INTEGER if isinstance(value, int) else DECIMAL
        cells.append(cell)
    return cells
