"""Adding staff accounts: what `huifang user add` accepts, and every refusal in words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.db.models import StaffRow, TeamRow
from server.db.session import Database
from server.services.auth import issue_token, password_matches, staff_for_token
from server.services.staff import (
    DEFAULT_CENTER,
    NewStaff,
    StaffError,
    add_staff_member,
    set_active,
    set_password,
)

GOOD = "晴天 sunny 2026"


def add(database: Database, username: str, role: str, **fields: str) -> list[str]:
    password = fields.pop("password", GOOD)
    with database.write() as session:
        _, notes = add_staff_member(
            session, NewStaff(username, f"员工{username}", role, password, **fields)
        )
    return notes


def test_accounts_are_placed_in_teams_made_on_first_use(database: Database) -> None:
    assert add(database, "li", "cs_supervisor", team_id="t1") == [
        f"created centre {DEFAULT_CENTER!r}",
        f"created team 't1' in centre {DEFAULT_CENTER!r}",
    ]
    assert add(database, "wang", "property_assistant", team_id="t1", supervisor="li") == []
    assert add(database, "chen", "center_manager", center_id="c2") == ["created centre 'c2'"]
    assert add(database, "boss", "company_manager") == []
    with database.read() as session:
        wang = session.scalar(select(StaffRow).where(StaffRow.username == "wang"))
        li = session.scalar(select(StaffRow).where(StaffRow.username == "li"))
        team = session.get(TeamRow, "t1")
    assert wang is not None and li is not None and team is not None
    assert (wang.team_id, wang.center_id, wang.supervisor_id) == ("t1", DEFAULT_CENTER, li.id)
    assert password_matches(wang.password_hash, GOOD) and not password_matches(
        wang.password_hash, "x"
    )


REFUSALS = [
    (
        {"username": "zhao", "role": "boss"},
        "unknown role 'boss'; choose one of: property_assistant",
    ),
    (
        {"username": "wang", "role": "property_assistant", "team_id": "t1"},
        "user 'wang' already exists",
    ),
    ({"username": "zhao", "role": "property_assistant"}, "works in a team: give --team"),
    ({"username": "zhao", "role": "center_manager"}, "give --center"),
    (
        {"username": "zhao", "role": "property_assistant", "team_id": "t1", "supervisor": "ghost"},
        "no user 'ghost'",
    ),
    (
        {"username": "zhao", "role": "property_assistant", "team_id": "t1", "supervisor": "wang"},
        "does not supervise",
    ),
    (
        {"username": "zhao", "role": "property_assistant", "team_id": "t1", "center_id": "c9"},
        "belongs to centre 'c1'",
    ),
    ({"username": "zhao ming", "role": "admin"}, "must be 1-64 letters"),
    ({"username": "zhao", "role": "admin", "password": ""}, "the password is empty"),
    ({"username": "zhao", "role": "admin", "password": "   "}, "the password is empty"),
    ({"username": "zhao", "role": "admin", "password": "a1b2c3"}, "shorter than 8"),
    ({"username": "zhao", "role": "admin", "password": "password"}, "too easy to guess"),
    ({"username": "zhao", "role": "admin", "password": "aaaaaaaaaa"}, "too easy to guess"),
    ({"username": "zhao", "role": "admin", "password": "zhao-2026-!"}, "too easy to guess"),
]


def test_refusals_say_what_to_fix_and_add_nothing(database: Database) -> None:
    add(database, "li", "cs_supervisor", team_id="t1", center_id="c1")
    add(database, "wang", "property_assistant", team_id="t1")
    for case, reason in REFUSALS:
        fields = dict(case)
        username, role = fields.pop("username"), fields.pop("role")
        with pytest.raises(StaffError, match=reason):
            add(database, username, role, **fields)
    with database.read() as session:
        usernames = set(session.scalars(select(StaffRow.username)))
        teams = set(session.scalars(select(TeamRow.id)))
    assert usernames == {"li", "wang"}
    assert teams == {"t1"}


def test_password_reset_and_disabling_end_every_session(database: Database) -> None:
    add(database, "wang", "物业助理", team_id="t1")
    with database.write() as session:
        wang = session.scalar(select(StaffRow).where(StaffRow.username == "wang"))
        assert wang is not None and wang.role == "property_assistant", "Chinese titles are roles"
        first, _ = issue_token(session, wang.id, "phone", timedelta(days=1))
    with database.write() as session:
        set_password(session, "wang", "新的密码 new 2026")
    with database.read() as session:
        assert staff_for_token(session, first) is None, "a reset logs every device out"
        row = session.scalar(select(StaffRow).where(StaffRow.username == "wang"))
        assert row is not None and password_matches(row.password_hash, "新的密码 new 2026")
    with database.write() as session:
        second, _ = issue_token(session, row.id, "phone", timedelta(days=1))
        set_active(session, "wang", False)
    with database.read() as session:
        assert staff_for_token(session, second) is None
    with database.write() as session, pytest.raises(StaffError, match="too easy"):
        set_password(session, "wang", "wang12345")
    with database.write() as session, pytest.raises(StaffError, match="no user 'ghost'"):
        set_active(session, "ghost", True)
