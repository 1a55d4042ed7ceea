"""Household spreadsheets as an office would export them: CSV (any encoding) or XLSX."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook

HEADER = [
    "id",
    "team",
    "building",
    "unit",
    "room",
    "owner_name",
    "phone",
    "move_in",
    "key_customer",
    "do_not_visit",
]
# The three bad rows of the 2,000-row file: (Excel row number, column, bad value, good value).
BAD_CELLS = [
    (18, "phone", "call after 6pm", "13900000018"),
    (501, "key_customer", "maybe", "是"),
    (2000, "team", "t9", "t1"),
]


def household_rows(count: int = 2000) -> list[list[str]]:
    """Header and ``count`` good rows over teams t1 and t2 (row i+1 in Excel is household i)."""
    rows = [list(HEADER)]
    for i in range(1, count + 1):
        rows.append(
            [
                f"h{i:05d}",
                "t1" if i % 2 else "t2",
                f"{i % 20 + 1}栋",
                f"{i % 3 + 1}单元",
                f"{i % 30 + 1:02d}{i % 4 + 1:02d}",
                f"业主{i}",
                f"138{i:08d}",
                "2024-05-01" if i % 5 else "",
                "是" if i % 10 == 0 else "否",
                "1" if i % 97 == 0 else "0",
            ]
        )
    return rows


def with_cells(rows: list[list[str]], cells: list[tuple[int, str, str]]) -> list[list[str]]:
    """A copy with the given (Excel row, column, value) cells replaced."""
    changed = [list(row) for row in rows]
    for number, column, value in cells:
        changed[number - 1][HEADER.index(column)] = value
    return changed


def bad_rows(rows: list[list[str]]) -> list[list[str]]:
    return with_cells(rows, [(n, column, bad) for n, column, bad, _ in BAD_CELLS])


def fixed_rows(rows: list[list[str]]) -> list[list[str]]:
    return with_cells(rows, [(n, column, good) for n, column, _, good in BAD_CELLS])


def write_csv(
    path: Path, rows: list[list[str]], encoding: str = "utf-8-sig", sep: str = ","
) -> Path:
    text = io.StringIO(newline="")
    csv.writer(text, delimiter=sep).writerows(rows)
    path.write_bytes(text.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    """Numbers as numbers and blanks as empty cells, as Excel itself would store them."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("住户")
    for row in rows:
        sheet.append([as_excel_value(cell) for cell in row])
    workbook.save(path)
    return path


def as_excel_value(cell: str) -> int | str | None:
    """Digits become numbers unless a leading zero shows they were typed as text (room 0102)."""
    if cell.isdigit() and (cell == "0" or not cell.startswith("0")):
        return int(cell)
    return cell or None
