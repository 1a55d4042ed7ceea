"""The access rule, role by role, against a small company of two centres and three teams.

Each case states what one caller must see; the list queries and the single-row checks are asked
the same question, so they cannot drift apart."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import HouseholdRow, StaffRow, VisitRow
from server.db.session import Database
from server.services.access import (
    ROLE_REACH,
    can_see_household,
    can_see_staff,
    can_see_visit,
    households_query_for,
    staff_query_for,
    visits_query_for,
)
from server.services.auth import issue_token
from sync.models import Role
from tests.factories import add_household, add_staff, add_team
from tests.live_server import LiveServer

# centre c1: teams t1, t2; centre c2: team t3.
STAFF = {
    "a1": ("property_assistant", "t1", "c1"),
    "a2": ("property_assistant", "t1", "c1"),
    "a3": ("property_assistant", "t2", "c1"),
    "a4": ("property_assistant", "t3", "c2"),
    "i1": ("interviewer", "t1", "c1"),
    "k1": ("culture_clerk", "t1", "c1"),
    "sup1": ("cs_supervisor", "t1", "c1"),
    "msup2": ("maintenance_supervisor", "t2", "c1"),
    "cm1": ("center_manager", None, "c1"),
    "cm2": ("center_manager", None, "c2"),
    "boss": ("company_manager", None, None),
    "root": ("admin", None, None),
}
HOUSEHOLDS = {"h1": "t1", "h2": "t2", "h3": "t3"}
VISITS = {  # visit: (visitor, household)
    "v1": ("a1", "h1"),
    "v2": ("a2", "h1"),
    "v3": ("a3", "h2"),
    "v4": ("a4", "h3"),
    "v5": ("a1", "h2"),  # an assistant helping out at the neighbouring team's household
    "v6": ("boss", "h1"),  # the company manager's own visit in team t1
    "v7": ("i1", "h1"),
    "v8": ("k1", "h1"),
    "v9": ("cm1", "h2"),
}
ALL_VISITS = set(VISITS)


@dataclass(frozen=True)
class Expected:
    visits: set[str]
    households: set[str]
    staff: set[str]


T1_STAFF = {"a1", "a2", "i1", "k1", "sup1"}
C1_STAFF = T1_STAFF | {"a3", "msup2", "cm1"}
EXPECTED = {
    "a1": Expected({"v1", "v5"}, {"h1"}, {"a1"}),
    "i1": Expected({"v7"}, {"h1"}, {"i1"}),
    "k1": Expected({"v8"}, {"h1"}, {"k1"}),
    "sup1": Expected({"v1", "v2", "v5", "v6", "v7", "v8"}, {"h1"}, T1_STAFF),
    "msup2": Expected({"v3", "v5", "v9"}, {"h2"}, {"a3", "msup2"}),
    "cm1": Expected(ALL_VISITS - {"v4"}, {"h1", "h2"}, C1_STAFF),
    "cm2": Expected({"v4"}, {"h3"}, {"a4", "cm2"}),
    "boss": Expected(ALL_VISITS, set(HOUSEHOLDS), set(STAFF)),
    "root": Expected(ALL_VISITS, set(HOUSEHOLDS), set(STAFF)),
}


def visit_uuid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"huifang-test/{name}"))


VISIT_NAMES = {visit_uuid(name): name for name in VISITS}


def seed_company(database: Database) -> None:
    add_team(database, "t1", "c1")
    add_team(database, "t2", "c1")
    add_team(database, "t3", "c2")
    with database.write() as session:
        for username, (role, team, center) in STAFF.items():
            session.add(
                StaffRow(
                    id=f"s-{username}",
                    username=username,
                    name=f"员工{username}",
                    role=role,
                    team_id=team,
                    center_id=center,
                    password_hash="not used: these callers get their tokens directly",
                )
            )
    for household, team in HOUSEHOLDS.items():
        add_household(database, household, team)
    at = datetime(2026, 11, 10, 9, tzinfo=UTC)
    with database.write() as session:
        for visit_id, (visitor, household) in VISITS.items():
            session.add(
                VisitRow(
                    id=visit_uuid(visit_id),
                    staff_id=f"s-{visitor}",
                    household_id=household,
                    kind="relationship",
                    method="phone",
                    outcome="satisfied",
                    started_at=at,
                    ended_at=at,
                    content_hash="0" * 64,
                    fingerprint="0" * 64,
                    record={},
                )
            )


@pytest.fixture
def company(database: Database) -> Database:
    seed_company(database)
    return database


def test_each_role_sees_exactly_its_share(company: Database) -> None:
    """One seeded company, every caller asked in turn; a failure names the role that broke."""
    with company.read() as session:
        seen = {username: what_caller_sees(session, f"s-{username}") for username in EXPECTED}
    for username, expected in EXPECTED.items():
        listed, checked = seen[username]
        assert listed == expected, f"{username} ({STAFF[username][0]}) lists the wrong rows"
        assert checked == expected, f"{username} ({STAFF[username][0]}) row checks disagree"


def what_caller_sees(session: Session, staff_id: str) -> tuple[Expected, Expected]:
    """What the list queries return, and what the one-row checks allow, for one caller."""
    caller = session.get(StaffRow, staff_id)
    assert caller is not None
    listed = Expected(
        {VISIT_NAMES[v.id] for v in session.scalars(visits_query_for(session, caller))},
        {h.id for h in session.scalars(households_query_for(session, caller))},
        {s.username for s in session.scalars(staff_query_for(session, caller))},
    )
    checked = Expected(
        {
            VISIT_NAMES[v.id]
            for v in session.scalars(select(VisitRow))
            if can_see_visit(session, caller, v)
        },
        {
            h.id
            for h in session.scalars(select(HouseholdRow))
            if can_see_household(session, caller, h)
        },
        {
            s.username
            for s in session.scalars(select(StaffRow))
            if can_see_staff(session, caller, s)
        },
    )
    return listed, checked


def test_every_role_has_a_rule() -> None:
    assert set(ROLE_REACH) == set(Role)


def test_field_staff_without_a_team_see_only_their_own_visits(company: Database) -> None:
    add_staff(company, "loner", "property_assistant", team_id=None, center_id="c1")
    with company.read() as session:
        loner = session.get(StaffRow, "s-loner")
        assert loner is not None
        assert list(session.scalars(households_query_for(session, loner))) == []
        assert list(session.scalars(visits_query_for(session, loner))) == []


def test_each_role_gets_exactly_its_share_through_the_api(live_server: LiveServer) -> None:
    """The same company behind the real server: the visit list and the one-visit page."""
    seed_company(live_server.database)
    for username, expected in EXPECTED.items():
        headers = {"Authorization": f"Bearer {token_for(live_server.database, username)}"}
        listed = httpx.get(f"{live_server.api}/visits", headers=headers)
        assert listed.status_code == 200, listed.text
        names = {VISIT_NAMES[visit["id"]] for visit in listed.json()["visits"]}
        assert names == expected.visits, f"{username} lists the wrong visits"
        for name in VISITS:
            shown = httpx.get(f"{live_server.api}/visits/{visit_uuid(name)}", headers=headers)
            assert shown.status_code == (200 if name in expected.visits else 404), (username, name)


def token_for(database: Database, username: str) -> str:
    """A real bearer token without the cost of argon2 (logging in is tested in test_auth)."""
    with database.write() as session:
        token, _ = issue_token(session, f"s-{username}", "test", timedelta(hours=1))
    return token
