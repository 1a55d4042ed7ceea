"""The monthly workbook (R17): opens with openpyxl, has its sheets, and its totals equal the
API's figures; phones are masked; the CLI writes the same workbook from the same database."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from server.services.reports import mask_phone
from tests.quotas.conftest import SeededServer

SHEETS = ["Quotas 指标完成", "Coverage 回访覆盖", "Satisfaction 满意度", "Visits 回访记录"]


def fetch(seeded: SeededServer, path: str, **params: str) -> Any:
    with seeded.client("gm") as client:
        response = client.get(path, params={"period": "2026-10", **params})
    assert response.status_code == 200, response.text
    return response


def rows_of(sheet: Worksheet) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_workbook_has_the_sheets_and_the_apis_totals(seeded: SeededServer) -> None:
    book = load_workbook(io.BytesIO(fetch(seeded, "/reports/monthly").content))
    board = fetch(seeded, "/quotas").json()["rows"]
    coverage = fetch(seeded, "/coverage").json()["rows"]
    assert book.sheetnames == SHEETS
    total = rows_of(book[SHEETS[0]])[-1]
    assert (total[0], total[6], total[7]) == (
        "合计 Total",
        sum(r["target"] for r in board),
        sum(r["done"] for r in board),
    )
    sheet_coverage = {row[0]: (row[4], row[6]) for row in rows_of(book[SHEETS[1]])[1:]}
    assert sheet_coverage == {r["rule_id"]: (r["due"], r["followed_up"]) for r in coverage}


def test_satisfaction_sheet_counts_complaint_follow_ups_and_has_a_chart(
    seeded: SeededServer,
) -> None:
    book = load_workbook(io.BytesIO(fetch(seeded, "/reports/monthly").content))
    sheet = book[SHEETS[2]]
    building = next(row for row in rows_of(sheet) if row[0] == "building")
    assert building[1:4] == (5, 5, 0)  # c1 c2 c3 c4 c9 followed up in October, all satisfied
    assert len(sheet._charts) == 1


def test_visit_list_masks_owners_phones(seeded: SeededServer) -> None:
    book = load_workbook(io.BytesIO(fetch(seeded, "/reports/monthly").content))
    phones = {row[4] for row in rows_of(book[SHEETS[3]])[1:]}
    assert phones == {"138****5678"}
    visits_api = fetch(seeded, "/visits").json()["visits"]
    assert len(rows_of(book[SHEETS[3]])) - 1 == len(visits_api)


def test_csv_variant_carries_the_same_quota_rows(seeded: SeededServer) -> None:
    text = fetch(seeded, "/reports/monthly", format="csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["staff_id", "name", "role"]
    assert len(rows) - 2 == len(fetch(seeded, "/quotas").json()["rows"])


def test_cli_writes_the_workbook_from_the_same_database(
    seeded: SeededServer, tmp_path: Path
) -> None:
    out = tmp_path / "october.xlsx"
    command = [sys.executable, "-m", "server.cli", "report", "monthly", "--period", "2026-10"]
    command += [
        "--out",
        str(out),
        "--db",
        seeded.server.db_url,
        "--data",
        str(seeded.server.data_dir),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    book = load_workbook(out)
    assert book.sheetnames == SHEETS
    api_total = sum(r["done"] for r in fetch(seeded, "/quotas").json()["rows"])
    assert rows_of(book[SHEETS[0]])[-1][7] == api_total


def test_phone_mask_keeps_first_three_and_last_four_digits() -> None:
    assert mask_phone("13800000000") == "138****0000"
    assert mask_phone("138-1234-5678") == "138****5678"
    assert mask_phone("") == ""
