"""Cells of exported spreadsheets, safe from formula injection (CSV and XLSX).

Names, addresses and task titles come from imports and staff input; a value such as
``=HYPERLINK("http://x","y")`` must reach the reader as the text it is, never as a formula that
Excel or WPS evaluates. Every exporter passes each cell through ``cell_safe``.
"""

from __future__ import annotations

# What spreadsheet programs read as the start of a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def cell_safe(value, *, sheet=None):
    """``value`` as a cell that is never evaluated as a formula; numbers, dates and ordinary
    text are returned unchanged (a negative amount stays a number).

    * CSV (no ``sheet``): CSV has no cell types, so the program that opens the file decides;
      the only defence is a leading apostrophe, which Excel and WPS read as "this is text" and
      do not show. ``'=HYPERLINK(…)`` is what the cell then holds for other readers.
    * XLSX (``sheet`` is the openpyxl write-only worksheet): the format has typed cells, so the
      value is written unchanged as a text cell (openpyxl would otherwise turn any string
      starting with "=" into a formula), marked ``quotePrefix`` so that editing the cell in Excel
      keeps it text. The reader sees exactly the original characters."""
    if not formula_like(value):
        return value
    if sheet is None:
        return "'" + value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell
