"""Reading a spreadsheet an office exported (CSV or XLSX) into rows of text keyed by the header.

Offices in China export from Excel, so besides UTF-8 (with or without BOM) a CSV may be GBK
(Excel's "CSV (逗号分隔)" on Chinese Windows) or UTF-16 ("Unicode 文本", tab-separated): all are
accepted. Bytes that are valid UTF-8 are always read as UTF-8; GB18030 (a superset of GBK) is
only the fallback, so a UTF-8 file is never misread. Row numbers are the ones Excel shows (the
header is row 1), so a report can be checked against the file directly.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

ZIP_MAGIC = b"PK\x03\x04"
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
CSV_DELIMITERS = (",", "\t", ";")


class TableError(ValueError):
    """The file as a whole cannot be read (not a table, unknown encoding, no header)."""


@dataclass(frozen=True)
class TableRow:
    number: int
    values: dict[str, str]


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[TableRow]


def read_table(source: Path | bytes) -> Table:
    """The non-blank rows of the first sheet, values as stripped text; from a file or from the
    bytes of an upload. A workbook is known by its .xlsx name or by its content (a ZIP)."""
    named_xlsx = False
    if isinstance(source, Path):
        if not source.is_file():
            raise TableError(f"no such file: {source}")
        named_xlsx = source.suffix.lower() in XLSX_SUFFIXES
        source = source.read_bytes()
    if named_xlsx or source.startswith(ZIP_MAGIC):
        return table_from_rows(read_xlsx_rows(source))
    return table_from_rows(read_csv_rows(source))


def table_from_rows(raw_rows: list[list[str]]) -> Table:
    if not raw_rows or not any(raw_rows[0]):
        raise TableError("the first row must be the header (column names); it is empty")
    header = [cell.strip() for cell in raw_rows[0]]
    rows = []
    for number, cells in enumerate(raw_rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = {name: cell.strip() for name, cell in zip(header, cells, strict=False) if name}
        rows.append(TableRow(number, values))
    return Table(header, rows)


def decode_csv(data: bytes) -> str:
    """Text of a CSV file: UTF-8 (BOM or not), UTF-16 with BOM, else GB18030/GBK."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise TableError("the file is neither UTF-8 nor GBK text; save it as CSV UTF-8") from None


def read_csv_rows(data: bytes) -> list[list[str]]:
    text = decode_csv(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=first_line.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise TableError(f"the file is not valid CSV: {exc}") from None


def read_xlsx_rows(data: bytes) -> list[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as exc:
        raise TableError(f"the file is not a readable XLSX workbook: {exc}") from None
    try:
        sheet = workbook.worksheets[0]
        return [[cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def cell_text(value: Any) -> str:
    """A cell as the text a person would have typed: 1203 not 1203.0, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
