"""`huifang import households FILE` / `huifang import sources FILE`: CSV or XLSX, all or nothing.

Exit status 0 when the file was imported, 1 when it was refused (every bad row is listed, with
the row number Excel shows, and nothing was written), 2 when the command itself was misused.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from server.commands.common import add_storage_options, settings_from
from server.commands.storage import opened_database
from server.services.importing import ImportReport, import_households, import_sources
from server.services.policies import policy_for
from server.services.table_files import TableError
from sync.policy import PolicyError


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "import", help="import households or complaints/repairs/events from CSV or XLSX"
    )
    kinds = parser.add_subparsers(dest="import_kind", required=True)
    households = kinds.add_parser("households", help="id, team, building, unit, room, ...")
    households.add_argument("file", type=Path)
    households.add_argument(
        "--create-teams",
        action="store_true",
        help="create teams the file names but that do not exist",
    )
    add_storage_options(households)
    households.set_defaults(func=run_households)
    sources = kinds.add_parser("sources", help="id, type, level, category, household_id, ...")
    sources.add_argument("file", type=Path)
    add_storage_options(sources)
    sources.set_defaults(func=run_sources)


def run_households(args: argparse.Namespace) -> int:
    with opened_database(args) as database:
        try:
            report = import_households(database, args.file, create_teams=args.create_teams)
        except TableError as exc:
            return refuse_file(args.file, str(exc))
    return print_report(args.file, report)


def run_sources(args: argparse.Namespace) -> int:
    try:
        policy = policy_for(settings_from(args))
    except PolicyError as exc:
        print("the policy file is not usable:", *exc.problems, sep="\n  ", file=sys.stderr)
        return 2
    with opened_database(args) as database:
        try:
            report = import_sources(database, args.file, policy)
        except TableError as exc:
            return refuse_file(args.file, str(exc))
    return print_report(args.file, report)


def refuse_file(path: Path, reason: str) -> int:
    print(f"{path}: not imported: {reason}", file=sys.stderr)
    return 1


def print_report(path: Path, report: ImportReport) -> int:
    if report.ignored_columns:
        print(f"{path}: ignored column(s): {', '.join(report.ignored_columns)}", file=sys.stderr)
    if not report.ok:
        print(
            f"{path}: {len(report.problems)} bad row(s) of {report.rows}; NOTHING was imported. "
            "Fix these rows and import the file again:",
            file=sys.stderr,
        )
        for problem in report.problems:
            print(f"  row {problem.row}: {problem.message}", file=sys.stderr)
        return 1
    print(
        f"{path}: imported {report.rows} row(s): {report.added} added, "
        f"{report.updated} updated, {report.unchanged} unchanged"
    )
    for note in report.notes:
        print(f"  {note}")
    return 0
