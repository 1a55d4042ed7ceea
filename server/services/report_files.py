"""Rendering the monthly report: an XLSX workbook (openpyxl) with a chart, or one sheet as CSV.

Cells hold values, not formulas: openpyxl cannot compute formulas, and a reader (or a test) must
see the same totals Excel shows. Sheet names carry English and Chinese so both audiences find
their way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from server.services.reports import MonthlyReport

TOTAL_LABEL = "合计 Total"
HEADER_FONT = Font(bold=True)
STATUS_FILL = {
    "met": PatternFill("solid", fgColor="C6EFCE"),
    "on_track": PatternFill("solid", fgColor="FFEB9C"),
    "behind": PatternFill("solid", fgColor="FFC7CE"),
}


class Sheet(StrEnum):
    QUOTAS = "Quotas 指标完成"
    COVERAGE = "Coverage 回访覆盖"
    SATISFACTION = "Satisfaction 满意度"
    VISITS = "Visits 回访记录"


CSV_SHEETS = {"quotas": Sheet.QUOTAS, "coverage": Sheet.COVERAGE}
CSV_SHEETS |= {"satisfaction": Sheet.SATISFACTION, "visits": Sheet.VISITS}

Row = Sequence[Any]


def quota_table(report: MonthlyReport) -> list[Row]:
    header = ["staff_id", "name", "role", "team", "rule", "period", "target", "done", "status"]
    rows: list[Row] = [header]
    for r in report.board.rows:
        team = r.team_id or ""
        rows.append(
            [
                r.staff_id,
                r.name,
                r.role.value,
                team,
                r.rule_id,
                r.period,
                r.target,
                r.done,
                r.status.value,
            ]
        )
    targets = sum(r.target for r in report.board.rows)
    done = sum(r.done for r in report.board.rows)
    rows.append([TOTAL_LABEL, "", "", "", "", report.period.key, targets, done, ""])
    return rows


def coverage_table(report: MonthlyReport) -> list[Row]:
    header = ["rule", "source", "window_days", "role", "due", "exempt", "followed_up"]
    rows: list[Row] = [[*header, "rate", "target_rate", "met"]]
    for c in report.coverage.rows:
        role = c.role.value if c.role else "by level (R4)"
        met = "yes" if c.met else "no"
        rows.append(
            [
                c.rule_id,
                c.source,
                c.window_days,
                role,
                c.due,
                c.exempt,
                c.followed_up,
                c.rate,
                c.target_rate,
                met,
            ]
        )
    return rows


def satisfaction_table(report: MonthlyReport) -> list[Row]:
    rows: list[Row] = [["category", "visits", "satisfied", "unsatisfied", "satisfied_rate", "avg"]]
    for s in report.satisfaction:
        rate = round(s.satisfied_rate, 4)
        rows.append([s.category, s.visits, s.satisfied, s.unsatisfied, rate, s.average_score])
    totals = [
        sum(s.visits for s in report.satisfaction),
        sum(s.satisfied for s in report.satisfaction),
    ]
    rows.append([TOTAL_LABEL, *totals, sum(s.unsatisfied for s in report.satisfaction), "", ""])
    return rows


def visits_table(report: MonthlyReport) -> list[Row]:
    header = ["started_at", "staff", "household", "owner", "phone", "kind", "method", "outcome"]
    rows: list[Row] = [[*header, "satisfaction", "review", "visit_id"]]
    for v in report.visits:
        when = v.started_at.strftime("%Y-%m-%d %H:%M")
        rows.append(
            [
                when,
                v.staff_name,
                v.household,
                v.owner_name,
                v.phone,
                v.kind,
                v.method,
                v.outcome,
                v.satisfaction,
                v.review_status,
                v.visit_id,
            ]
        )
    return rows


TABLES = {
    Sheet.QUOTAS: quota_table,
    Sheet.COVERAGE: coverage_table,
    Sheet.SATISFACTION: satisfaction_table,
    Sheet.VISITS: visits_table,
}


def _fill_sheet(sheet: Worksheet, rows: Iterable[Row]) -> None:
    for row in rows:
        sheet.append(list(row))
    for cell in sheet[1]:
        cell.font = HEADER_FONT
    sheet.freeze_panes = "A2"


def _colour_statuses(sheet: Worksheet) -> None:
    for (cell,) in sheet.iter_rows(min_row=2, min_col=9, max_col=9):
        fill = STATUS_FILL.get(str(cell.value))
        if fill is not None:
            cell.fill = fill


def _add_satisfaction_chart(sheet: Worksheet, categories: int) -> None:
    chart = BarChart()
    chart.title = "Satisfied rate by complaint category 各类投诉回访满意率"
    chart.y_axis.title = "satisfied rate"
    data = Reference(sheet, min_col=5, min_row=1, max_row=categories + 1)
    labels = Reference(sheet, min_col=1, min_row=2, max_row=categories + 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(labels)
    sheet.add_chart(chart, "H2")


def workbook_bytes(report: MonthlyReport) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, table in TABLES.items():
        _fill_sheet(book.create_sheet(name.value), table(report))
    _colour_statuses(book[Sheet.QUOTAS.value])
    _add_satisfaction_chart(book[Sheet.SATISFACTION.value], len(report.satisfaction))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(report: MonthlyReport, sheet: Sheet) -> bytes:
    """One sheet as UTF-8 CSV with a BOM, so Excel opens the Chinese text correctly."""
    out = io.StringIO()
    csv.writer(out).writerows(TABLES[sheet](report))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
