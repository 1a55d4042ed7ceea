"""`huifang report monthly --period YYYY-MM --out FILE.xlsx`: the R17 workbook from the CLI.

It reads the same database as the server (``--db`` / ``--data``) with the same policy
(``--policy``), covering the whole company. ``--out FILE.csv`` writes one sheet (``--sheet``).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from server.commands.common import add_storage_options, settings_from
from server.commands.storage import opened_database
from server.services.policies import policy_for
from server.services.report_files import CSV_SHEETS, csv_bytes, workbook_bytes
from server.services.reports import MonthlyReport, monthly_report
from server.services.scope import all_staff
from sync.periods import Period, parse_period
from sync.policy import PolicyError


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("report", help="monthly report (R17)")
    kinds = parser.add_subparsers(dest="report_kind", required=True)
    monthly = kinds.add_parser("monthly", help="XLSX workbook (or one sheet as CSV) for a month")
    add_storage_options(monthly)
    monthly.add_argument("--period", required=True, help="YYYY-MM, cut in the company time zone")
    monthly.add_argument("--out", type=Path, required=True, help="FILE.xlsx or FILE.csv")
    monthly.add_argument("--sheet", choices=sorted(CSV_SHEETS), default="quotas", help="for CSV")
    monthly.set_defaults(func=run_monthly)


def build_report(args: argparse.Namespace, period: Period) -> MonthlyReport:
    policy = policy_for(settings_from(args))
    with opened_database(args) as database, database.read() as session:
        return monthly_report(session, policy, period, all_staff(session), datetime.now(UTC))


def run_monthly(args: argparse.Namespace) -> int:
    try:
        period = parse_period(args.period)
        report = build_report(args, period)
    except (ValueError, PolicyError) as exc:
        print(f"huifang report: {exc}", file=sys.stderr)
        return 1
    is_csv = args.out.suffix.lower() == ".csv"
    data = csv_bytes(report, CSV_SHEETS[args.sheet]) if is_csv else workbook_bytes(report)
    args.out.write_bytes(data)
    rows = len(report.board.rows)
    print(f"wrote {args.out}: {rows} quota rows, {len(report.visits)} visits, period {period.key}")
    return 0
