"""Importing households and sources: all or nothing, every bad row reported by its Excel row."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server.db.models import AssignmentRow, Base, ChangeRow, HouseholdRow, SourceRow
from server.db.session import Database
from server.services.import_columns import HOUSEHOLD_COLUMNS, HOUSEHOLD_REQUIRED
from server.services.importing import (
    ParsedFile,
    household_from_values,
    import_households,
    import_sources,
    parse_file,
)
from server.services.policies import policy_for
from server.services.table_files import TableError, read_table
from server.settings import Settings
from sync.models import Household
from tests.factories import add_household, add_staff, add_team
from tests.server.cli_runner import run_huifang
from tests.server.import_files import (
    BAD_CELLS,
    bad_rows,
    fixed_rows,
    household_rows,
    with_cells,
    write_csv,
    write_xlsx,
)


def count_rows(database: Database, table: type[Base]) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def household(database: Database, household_id: str) -> HouseholdRow:
    with database.read() as session:
        row = session.get(HouseholdRow, household_id)
    assert row is not None
    return row


def test_household_csv_with_three_bad_rows_imports_nothing_until_fixed(
    database: Database, db_url: str, tmp_path: Path
) -> None:
    add_team(database, "t1")
    add_team(database, "t2")
    storage = ["--db", db_url, "--data", str(tmp_path / "server")]
    rows = household_rows(2000)

    refused = run_huifang(
        "import", "households", str(write_csv(tmp_path / "bad.csv", bad_rows(rows))), *storage
    )
    assert refused.returncode == 1, refused.stderr
    assert "3 bad row(s) of 2000; NOTHING was imported" in refused.stderr
    reported = [line.strip() for line in refused.stderr.splitlines() if line.startswith("  row ")]
    assert [line.split(":")[0] for line in reported] == ["row 18", "row 501", "row 2000"]
    assert "'call after 6pm'" in reported[0] and "phone" in reported[0]
    assert "key_customer" in reported[1] and "'maybe'" in reported[1]
    assert "team 't9' does not exist" in reported[2]
    assert count_rows(database, HouseholdRow) == 0
    assert count_rows(database, ChangeRow) == 0

    report = import_households(database, write_csv(tmp_path / "good.csv", fixed_rows(rows)))
    assert (report.ok, report.added, report.updated, report.unchanged) == (True, 2000, 0, 0)
    assert count_rows(database, HouseholdRow) == 2000
    assert count_rows(database, ChangeRow) == 2000, "each household goes on the pull feed"
    tenth = household(database, "h00010")
    assert (tenth.team_id, tenth.building, tenth.room, tenth.owner_name) == (
        "t2",
        "11栋",
        "1103",
        "业主10",
    )
    assert (tenth.key_customer, tenth.do_not_visit, tenth.move_in) == (True, False, None)
    assert household(database, "h00097").do_not_visit is True
    assert household(database, "h00017").phone == "13900000018", "Excel row 18"

    moved = with_cells(fixed_rows(rows), [(3, "team", "t1"), (3, "owner_name", "新业主")])
    report = import_households(database, write_csv(tmp_path / "again.csv", moved))
    assert (report.ok, report.added, report.updated, report.unchanged) == (True, 0, 1, 1999)
    assert (household(database, "h00002").team_id, household(database, "h00002").owner_name) == (
        "t1",
        "新业主",
    )
    with database.read() as session:
        feed = session.scalars(select(ChangeRow).where(ChangeRow.entity_id == "h00002")).all()
    assert sorted(change.team_id or "" for change in feed) == ["t1", "t2", "t2"], (
        "old and new team told"
    )


def test_household_xlsx_with_three_bad_rows_imports_nothing_until_fixed(
    database: Database, tmp_path: Path
) -> None:
    add_team(database, "t1")
    add_team(database, "t2")
    rows = household_rows(2000)
    report = import_households(database, write_xlsx(tmp_path / "bad.xlsx", bad_rows(rows)))
    assert [problem.row for problem in report.problems] == [n for n, *_ in BAD_CELLS]
    assert count_rows(database, HouseholdRow) == 0

    report = import_households(database, write_xlsx(tmp_path / "good.xlsx", fixed_rows(rows)))
    assert report.ok and (report.added, report.rows) == (2000, 2000)
    assert household(database, "h00001").room == "0202", "a room typed as text keeps its zero"
    assert household(database, "h00005").phone == "13800000005", "a phone stored as a number"
    assert household(database, "h00011").move_in == date(2024, 5, 1)
    assert household(database, "h00010").move_in is None


CHINESE_FILE = [
    [
        "编号",
        "责任区",
        "楼栋",
        "单元",
        "房号",
        "业主",
        "联系电话",
        "入住日期",
        "重要客户",
        "拒访",
        "备注",
    ],
    [
        "h1",
        "t1",
        "3栋",
        "2单元",
        "1203",
        "王芳",
        "138 0000 1234",
        "2025年3月8日",
        "是",
        "否",
        "新业主",
    ],
    ["h2", "t1", "3栋", "", "1204", "李雷", "", "2025/3/9", "y", "1", ""],
    ["", "", "", "", "", "", "", "", "", "", ""],
    ["h3", "t2", "5栋", "1单元", "0101", "张伟", "+86-755-1234", "", "true", "false", ""],
]


@pytest.mark.parametrize(
    ("encoding", "separator"),
    [("utf-8-sig", ","), ("utf-8", ","), ("gb18030", ","), ("utf-16", "\t")],
    ids=["utf8-bom", "utf8", "gbk-from-excel", "utf16-unicode-text"],
)
def test_chinese_headers_and_values_read_in_every_excel_encoding(
    tmp_path: Path, encoding: str, separator: str
) -> None:
    path = write_csv(tmp_path / "住户.csv", CHINESE_FILE, encoding, separator)
    parsed = parse_file(path, HOUSEHOLD_COLUMNS, HOUSEHOLD_REQUIRED, household_from_values)
    assert parsed.report.ok, parsed.report.problems
    assert parsed.report.ignored_columns == ["备注"]
    first, second, third = (record for _, record in parsed.records)
    assert [number for number, _ in parsed.records] == [2, 3, 5], "Excel's row numbers"
    assert (first.id, first.team_id, first.room, first.owner_name) == ("h1", "t1", "1203", "王芳")
    assert (first.move_in, first.key_customer, first.do_not_visit) == (
        date(2025, 3, 8),
        True,
        False,
    )
    assert (second.unit, second.move_in, second.key_customer, second.do_not_visit) == (
        "",
        date(2025, 3, 9),
        True,
        True,
    )
    assert (third.room, third.phone, third.move_in, third.key_customer) == (
        "0101",
        "+86-755-1234",
        None,
        True,
    )


def test_file_level_mistakes_refuse_the_whole_file(tmp_path: Path) -> None:
    def parse(rows: list[list[str]]) -> ParsedFile[Household]:
        path = write_csv(tmp_path / "f.csv", rows)
        return parse_file(path, HOUSEHOLD_COLUMNS, HOUSEHOLD_REQUIRED, household_from_values)

    with pytest.raises(TableError, match=r"missing column.*owner_name"):
        parse([["id", "team", "building", "room"], ["h1", "t1", "3", "101"]])
    with pytest.raises(TableError, match="more than one column means owner_name"):
        parse([["id", "team", "building", "room", "业主", "owner_name"]])
    with pytest.raises(TableError, match="header"):
        parse([[]])
    with pytest.raises(TableError, match="no such file"):
        read_table(tmp_path / "nope.csv")
    (tmp_path / "not.xlsx").write_bytes(b"this is not a workbook")
    with pytest.raises(TableError, match="XLSX"):
        read_table(tmp_path / "not.xlsx")


def test_every_problem_of_a_row_is_named_and_duplicates_point_at_the_first(tmp_path: Path) -> None:
    rows = [
        ["id", "team", "building", "room", "owner_name", "move_in", "key_customer"],
        ["h1", "t1", "3", "101", "王", "2025-13-45", "perhaps"],
        ["h2", "t1", "3", "102", "", "", ""],
        ["h3", "t1", "3", "103", "李", "", ""],
        ["h3", "t1", "3", "104", "张", "", ""],
    ]
    path = write_csv(tmp_path / "f.csv", rows)
    report = parse_file(path, HOUSEHOLD_COLUMNS, HOUSEHOLD_REQUIRED, household_from_values).report
    problems = {problem.row: problem.message for problem in report.problems}
    assert set(problems) == {2, 3, 5}
    assert "move_in" in problems[2] and "key_customer" in problems[2]
    assert problems[3] == "owner_name is empty"
    assert problems[5] == "id 'h3' is already on row 4"


SOURCES = [
    ["编号", "类型", "级别", "类别", "住户编号", "受理时间", "结案时间", "匿名", "现场解决"],
    ["c1", "投诉", "一般", "环境管理", "h1", "2026-11-05 09:30", "2026-11-06 18:00", "否", "否"],
    ["r1", "维修", "", "", "h1", "2026/11/05 10:00", "", "", ""],
    ["e1", "社区活动", "", "", "", "2026-11-01T19:00:00+08:00", "", "", ""],
    ["c2", "complaint", "", "security", "h1", "2026-11-05", "", "", ""],
    ["c3", "complaint", "major", "", "h404", "2026-11-05", "", "", ""],
]


def test_sources_import_in_local_time_and_route_follow_ups(
    database: Database, tmp_path: Path
) -> None:
    assistant = add_staff(database, "wang", "property_assistant", team_id="t1")
    add_household(database, "h1", "t1")
    policy = policy_for(Settings())
    report = import_sources(database, write_csv(tmp_path / "s.csv", SOURCES), policy)
    problems = {problem.row: problem.message for problem in report.problems}
    assert set(problems) == {5, 6}
    assert "a complaint needs a level" in problems[5]
    assert "household 'h404' does not exist" in problems[6]
    assert count_rows(database, SourceRow) == 0

    fixed = with_level(SOURCES, row=5, level="important")
    fixed[5][4] = "h1"
    report = import_sources(database, write_csv(tmp_path / "s2.csv", fixed), policy)
    assert report.ok, report.problems
    assert report.added == 5
    with database.read() as session:
        complaint = session.get(SourceRow, "c1")
        event = session.get(SourceRow, "e1")
        follow_ups = session.scalars(
            select(AssignmentRow).where(AssignmentRow.source_id == "c1")
        ).all()
    assert complaint is not None and event is not None
    assert (complaint.type, complaint.level, complaint.category) == (
        "complaint",
        "general",
        "environment",
    )
    assert complaint.opened_at == datetime(2026, 11, 5, 1, 30, tzinfo=UTC), "09:30 in Shanghai"
    assert event.household_id is None and event.opened_at == datetime(2026, 11, 1, 11, tzinfo=UTC)
    assert [row.staff_id for row in follow_ups] == [assistant], (
        "a general complaint goes to the assistant (R4)"
    )


def with_level(rows: list[list[str]], row: int, level: str) -> list[list[str]]:
    changed = [list(cells) for cells in rows]
    changed[row - 1][2] = level
    return changed
