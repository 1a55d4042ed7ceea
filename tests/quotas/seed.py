"""A seeded company whose October 2026 figures are computed by hand in the tests.

Visits are written as the push would store them (the wire record plus the query columns), so the
quota board, coverage and report read exactly what they read in production.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.db.models import SourceRow
from server.db.session import Database
from server.services.sync_push import visit_row_for
from sync.canonical import visit_fingerprint
from sync.models import Method, Visit, VisitKind
from tests.factories import add_center, add_household, add_staff, make_visit

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class Company:
    staff: dict[str, str] = field(default_factory=dict)
    visits: dict[str, Visit] = field(default_factory=dict)


def store_visit(database: Database, visit: Visit, name: str, company: Company) -> None:
    with database.write() as session:
        wire = visit.model_dump(mode="json", exclude_unset=True)
        session.add(visit_row_for(visit, wire, visit_fingerprint(visit), device_id=""))
    company.visits[name] = visit


def add_visit(
    database: Database,
    company: Company,
    name: str,
    who: str,
    when: datetime,
    method: Method = Method.ON_SITE,
    **fields: Any,
) -> None:
    household = fields.pop("household_id", "h-t1-1")
    made = make_visit(company.staff[who], household, method=method, started_at=when, **fields)
    store_visit(database, made.visit, name, company)


def add_source(
    database: Database, source_id: str, kind: str, closed: datetime, **extra: Any
) -> None:
    values: dict[str, Any] = {"household_id": "h-t1-1", "category": "building"}
    if kind == "complaint":
        values["level"] = "general"
    if kind == "event":
        values["household_id"] = None
        values["category"] = None
    values.update(extra)
    with database.write() as session:
        session.add(
            SourceRow(
                id=source_id,
                type=kind,
                opened_at=closed - timedelta(days=1),
                closed_at=closed,
                **values,
            )
        )


STAFF = [
    # username, role, team
    ("admin", "admin", None),
    ("gm", "company_manager", None),
    ("cm_two", "center_manager", None),
    ("cm_one", "center_manager", None),
    ("cm_ret", "center_manager", None),
    ("cs", "cs_supervisor", "t1"),
    ("mt", "maintenance_supervisor", "t1"),
    ("pa1", "property_assistant", "t1"),
    ("pa2", "property_assistant", "t2"),
]


def seed_people(database: Database, company: Company) -> None:
    add_center(database, "c1")
    for username, role, team in STAFF:
        company.staff[username] = add_staff(database, username, role, team_id=team, center_id="c1")
    add_household(database, "h-t1-1", "t1", phone="13812345678")
    add_household(database, "h-t2-1", "t2", phone="13900000000")


def seed_quota_visits(database: Database, company: Company) -> None:
    """Centre managers in October: cm_two 2 on-site (one at 23:30 on the 31st local), cm_one one
    on-site plus one phone call, cm_ret two on-site of which the tests return one."""
    add_visit(database, company, "two_a", "cm_two", local(10, 8))
    add_visit(database, company, "two_last_night", "cm_two", local(10, 31, 23, 30))
    add_visit(database, company, "two_nov_early", "cm_two", local(11, 1, 0, 30))
    add_visit(database, company, "one_on_site", "cm_one", local(10, 9))
    add_visit(database, company, "one_phone", "cm_one", local(10, 10), method=Method.PHONE)
    add_visit(database, company, "ret_a", "cm_ret", local(10, 11))
    add_visit(database, company, "ret_b", "cm_ret", local(10, 12))


def complaint_visit(
    database: Database, company: Company, source: str, who: str, when: datetime
) -> None:
    kind = VisitKind.COMPLAINT_FOLLOWUP
    add_visit(
        database, company, f"f-{source}", who, when, Method.PHONE, kind=kind, source_id=source
    )


def seed_coverage(database: Database, company: Company) -> None:
    """October 2026 coverage, by hand: R3 due 5 (c1 c2 c3 c4 c9), exempt 4, covered 3 (c1 c3 c9)
    = 0.6; R5 due 2 (r1 r2), covered 1 = 0.5; R7 due 1 (r3), covered 1; R6 due 1 (e1), covered 0."""
    add_source(database, "c1", "complaint", local(10, 10))
    add_source(database, "c2", "complaint", local(10, 12))
    add_source(database, "c3", "complaint", local(10, 14), level="important")
    add_source(database, "c4", "complaint", local(10, 15), level="major")
    add_source(database, "c5", "complaint", local(10, 16), anonymous=True)
    add_source(database, "c6", "complaint", local(10, 16), sensitive=True)
    add_source(database, "c7", "complaint", local(10, 16), letter_only=True)
    add_source(database, "c8", "complaint", local(10, 16), resolved_on_spot=True)
    add_source(database, "c9", "complaint", local(9, 30))  # window ends 3 Oct
    add_source(database, "c10", "complaint", local(10, 30))  # window ends 2 Nov
    complaint_visit(database, company, "c1", "pa1", local(10, 11))
    complaint_visit(database, company, "c2", "cs", local(10, 13))  # wrong role for general
    complaint_visit(database, company, "c3", "cs", local(10, 15))
    complaint_visit(database, company, "c4", "gm", local(10, 20))  # after the 3-day window
    complaint_visit(database, company, "c9", "pa1", local(10, 1))
    add_source(database, "r1", "repair", local(9, 5))  # due 5 Oct
    add_source(database, "r2", "repair", local(9, 10))  # due 10 Oct
    add_source(database, "r3", "repair", local(10, 2))  # R5 due 1 Nov, R7 due 9 Oct
    add_source(database, "e1", "event", local(9, 20))  # due 20 Oct
    repair = VisitKind.REPAIR_FOLLOWUP
    add_visit(
        database, company, "f-r1", "pa1", local(9, 20), Method.PHONE, kind=repair, source_id="r1"
    )
    add_visit(
        database, company, "f-r3", "mt", local(10, 5), Method.PHONE, kind=repair, source_id="r3"
    )


def seed_company(database: Database) -> Company:
    company = Company()
    seed_people(database, company)
    seed_quota_visits(database, company)
    seed_coverage(database, company)
    return company
