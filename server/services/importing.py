"""``huifang import households|sources FILE``: an office's spreadsheet into the database.

All or nothing. Every row is checked first, through the same pydantic models the phone and the
server use (``sync.models.Household`` / ``Source``) plus what only the database knows (the team
or household exists, an id is not given twice); if ANY row is bad, the report lists every bad
row with its row number and reason and nothing is written. A half-imported file would leave the
office unsure which rows made it, and fixing the file and importing it again is the natural way
to work with a spreadsheet. A good file is applied in one transaction and upserted by id, so
importing a corrected or newer export again updates what changed and leaves the rest alone.

Each added or changed household is put on the change feed for its team (and for the team it left,
if it moved), so phones get it on their next pull. Imported closed sources get their follow-up
assignments routed by level (R4), exactly as the sync and planning code would make them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import HouseholdRow, SourceRow, TeamRow
from server.db.session import Database
from server.services.assignments import assign_sources
from server.services.changes import record_change
from server.services.import_columns import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_REQUIRED,
    SOURCE_COLUMNS,
    SOURCE_REQUIRED,
    column_map,
    parse_bool,
    parse_choice,
    parse_date,
    parse_timestamp,
)
from server.services.staff import DEFAULT_CENTER, ensure_center
from server.services.table_files import Table, TableError, read_table
from sync.models import Household, Source
from sync.policy import Policy
from sync.protocol import ChangeType

CHUNK = 500
Record = TypeVar("Record", Household, Source)


@dataclass(frozen=True)
class RowProblem:
    row: int
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ParsedFile(Generic[Record]):
    records: list[tuple[int, Record]]
    report: ImportReport


def parse_file(
    file: Path | bytes,
    columns: dict[str, tuple[str, ...]],
    required: Sequence[str],
    convert: Callable[[dict[str, str]], Record],
) -> ParsedFile[Record]:
    """Every row through ``convert``; problems collected, never raised (TableError aside)."""
    table = read_table(file)
    mapping = checked_columns(table, columns, required)
    report = ImportReport(rows=len(table.rows))
    report.ignored_columns = [name for name in table.header if name and name not in mapping]
    records: list[tuple[int, Record]] = []
    first_row_of: dict[str, int] = {}
    for row in table.rows:
        values = {mapping[name]: text for name, text in row.values.items() if name in mapping}
        problems = [f"{name} is empty" for name in required if not values.get(name)]
        record = None if problems else convert_row(convert, values, problems)
        if record is not None and record.id in first_row_of:
            problems.append(f"id {record.id!r} is already on row {first_row_of[record.id]}")
        if problems:
            report.problems.append(RowProblem(row.number, "; ".join(problems)))
        elif record is not None:
            first_row_of[record.id] = row.number
            records.append((row.number, record))
    return ParsedFile(records, report)


def checked_columns(
    table: Table, columns: dict[str, tuple[str, ...]], required: Sequence[str]
) -> dict[str, str]:
    mapping = column_map(table.header, columns)
    found = list(mapping.values())
    doubled = sorted({name for name in found if found.count(name) > 1})
    if doubled:
        raise TableError(f"more than one column means {', '.join(doubled)}")
    missing = [name for name in required if name not in found]
    if missing:
        raise TableError(
            f"missing column(s) {', '.join(missing)}; the file has: {', '.join(table.header)}"
        )
    return mapping


def convert_row(
    convert: Callable[[dict[str, str]], Record], values: dict[str, str], problems: list[str]
) -> Record | None:
    try:
        return convert(values)
    except ValidationError as exc:
        problems.extend(describe_validation(exc))
    except ValueError as exc:
        problems.append(str(exc))
    return None


def describe_validation(exc: ValidationError) -> list[str]:
    described = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]).replace("team_id", "team")
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "string_pattern_mismatch":
            message = f"{error['input']!r} has characters that are not allowed here"
        described.append(f"{where}: {message}" if where else message)
    return described


def converted_fields(
    values: dict[str, str], parsers: dict[str, Callable[[str], Any]]
) -> dict[str, Any]:
    """The parsed special columns; all their problems at once, as one ValueError."""
    parsed: dict[str, Any] = {}
    problems: list[str] = []
    for name, parse in parsers.items():
        try:
            parsed[name] = parse(values.get(name, ""))
        except ValueError as exc:
            problems.append(f"{name}: {exc}")
    if problems:
        raise ValueError("; ".join(problems))
    return parsed


def household_from_values(values: dict[str, str]) -> Household:
    flags = {name: parse_bool for name in ("key_customer", "do_not_visit")}
    parsed = converted_fields(values, {"move_in": parse_date, **flags})
    plain = {name: values.get(name, "") for name in ("id", "building", "unit", "room")}
    plain |= {name: values.get(name, "") for name in ("owner_name", "phone")}
    return Household.model_validate({**plain, "team_id": values.get("team", ""), **parsed})


def source_converter(zone: ZoneInfo) -> Callable[[dict[str, str]], Source]:
    def source_from_values(values: dict[str, str]) -> Source:
        flags = ("anonymous", "resolved_on_spot", "sensitive", "letter_only")
        parsers: dict[str, Callable[[str], Any]] = {name: parse_bool for name in flags}
        parsers |= {
            name: lambda text: parse_timestamp(text, zone) for name in ("opened_at", "closed_at")
        }
        parsed = converted_fields(values, parsers)
        choices = {
            name: parse_choice(name, values.get(name, "")) for name in ("type", "level", "category")
        }
        household = values.get("household_id") or None
        return Source.model_validate(
            {"id": values["id"], "household_id": household, **choices, **parsed}
        )

    return source_from_values


def import_households(
    database: Database, file: Path | bytes, create_teams: bool = False
) -> ImportReport:
    """Checks the whole file, then upserts it in one transaction, or writes nothing."""
    parsed = parse_file(file, HOUSEHOLD_COLUMNS, HOUSEHOLD_REQUIRED, household_from_values)
    report = parsed.report
    with database.write() as session:
        check_teams(session, parsed.records, report, create_teams)
        if report.ok:
            save_households(session, [household for _, household in parsed.records], report)
    return report


def check_teams(
    session: Session, records: list[tuple[int, Household]], report: ImportReport, create: bool
) -> None:
    """Unknown teams are bad rows, unless asked to create them (only once the file is good)."""
    known = set(session.scalars(select(TeamRow.id)))
    unknown = sorted({h.team_id for _, h in records} - known)
    if create:
        if unknown and report.ok:
            for team_id in unknown:
                session.add(TeamRow(id=team_id, name=team_id, center_id=default_center(session)))
            session.flush()
            report.notes.append(f"created team(s) {', '.join(unknown)}")
        return
    for number, household in records:
        if household.team_id not in known:
            known_list = ", ".join(sorted(known)) or "none"
            message = f"team {household.team_id!r} does not exist (known: {known_list})"
            report.problems.append(RowProblem(number, message))
    report.problems.sort(key=lambda problem: problem.row)


def default_center(session: Session) -> str:
    ensure_center(session, DEFAULT_CENTER, [])
    return DEFAULT_CENTER


def plain(value: Any) -> Any:
    """Enum members as their text, so every database driver stores them alike."""
    return value.value if isinstance(value, Enum) else value


def count(report: ImportReport, outcome: str) -> None:
    setattr(report, outcome, getattr(report, outcome) + 1)


def save_households(session: Session, households: list[Household], report: ImportReport) -> None:
    """Upserts in one flush, then publishes each added or changed household to its team (and to
    the team it left), so phones pick it up; an unchanged household publishes nothing."""
    existing = rows_by_id(session, HouseholdRow, [h.id for h in households])
    published: list[tuple[Household, set[str]]] = []
    for household in households:
        values = household.model_dump()
        row = existing.get(household.id)
        if row is None:
            session.add(HouseholdRow(**values))
            published.append((household, {household.team_id}))
            report.added += 1
        elif any(getattr(row, key) != value for key, value in values.items()):
            published.append((household, {household.team_id, row.team_id}))
            for key, value in values.items():
                setattr(row, key, value)
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()
    for household, team_ids in published:
        data = household.model_dump(mode="json")
        for team_id in sorted(team_ids):
            record_change(session, ChangeType.HOUSEHOLD, household.id, data, team_id=team_id)


def rows_by_id(
    session: Session, table: type[HouseholdRow], ids: list[str]
) -> dict[str, HouseholdRow]:
    found: dict[str, HouseholdRow] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found.update(
            (row.id, row) for row in session.scalars(select(table).where(table.id.in_(chunk)))
        )
    return found


def import_sources(database: Database, file: Path | bytes, policy: Policy) -> ImportReport:
    """Like households; then the follow-up assignments of the imported closed sources."""
    convert = source_converter(policy.zone)
    parsed = parse_file(file, SOURCE_COLUMNS, SOURCE_REQUIRED, convert)
    report = parsed.report
    with database.write() as session:
        check_households(session, parsed.records, report)
        if report.ok:
            for _, source in parsed.records:
                count(report, save_source(session, source))
            made = assign_sources(session, policy, [source.id for _, source in parsed.records])
            report.notes.append(f"{len(made)} follow-up assignment(s) made")
    return report


def check_households(
    session: Session, records: list[tuple[int, Source]], report: ImportReport
) -> None:
    wanted = sorted({s.household_id for _, s in records if s.household_id})
    known = set(rows_by_id(session, HouseholdRow, wanted))
    for number, source in records:
        if source.household_id and source.household_id not in known:
            message = f"household {source.household_id!r} does not exist (import households first)"
            report.problems.append(RowProblem(number, message))
    report.problems.sort(key=lambda problem: problem.row)


def save_source(session: Session, source: Source) -> str:
    values = {key: plain(value) for key, value in source.model_dump().items()}
    row = session.get(SourceRow, source.id)
    if row is None:
        session.add(SourceRow(**values))
        session.flush()
        return "added"
    if all(getattr(row, key) == value for key, value in values.items()):
        return "unchanged"
    for key, value in values.items():
        setattr(row, key, value)
    return "updated"
