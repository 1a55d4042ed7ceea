"""A demo company for ``huifang demo``: every role, ~200 households, complaints and repairs.

Seeded through the same services an import and ``huifang user add`` use, so the demo's phones
learn their households, assignments and quota rows by pulling, exactly as in production. The
data is made from a fixed random seed: the same demo every time, and seeding twice is a no-op.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.db.models import CenterRow, SourceRow, StaffRow, TeamRow
from server.db.session import Database
from server.services.assignments import assign_sources, publish_quota_rows
from server.services.importing import ImportReport, save_households
from server.services.staff import NewStaff, add_staff_member
from sync.models import ComplaintCategory, ComplaintLevel, Household, SourceType
from sync.policy import Policy

DEMO_PASSWORD = "huifang-demo"
CENTER = ("c-sunshine", "阳光花园服务中心")
TEAMS = (("t-east", "东区责任区"), ("t-west", "西区责任区"))
BUILDINGS_PER_TEAM = 5
UNITS = ("1", "2")
FLOORS = range(1, 11)
ROOMS_PER_FLOOR = ("01",)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛")
COMPLAINTS = 30
REPAIRS = 40


@dataclass(frozen=True)
class DemoLogin:
    username: str
    name: str
    role: str
    team_id: str | None = None
    supervisor: str | None = None


DEMO_STAFF = (
    DemoLogin("admin", "系统管理员", "admin"),
    DemoLogin("zhangmin", "张敏", "company_manager"),
    DemoLogin("liqiang", "李强", "center_manager"),
    DemoLogin("chenjing", "陈静", "cs_supervisor", "t-east"),
    DemoLogin("zhaolei", "赵磊", "maintenance_supervisor", "t-east"),
    DemoLogin("wangfang", "王芳", "property_assistant", "t-east", "chenjing"),
    DemoLogin("liuyang", "刘洋", "property_assistant", "t-west", "chenjing"),
    DemoLogin("sunli", "孙丽", "interviewer", "t-east", "chenjing"),
    DemoLogin("zhouyu", "周宇", "culture_clerk", "t-west", "chenjing"),
)


@dataclass
class DemoSummary:
    created: bool
    logins: tuple[DemoLogin, ...] = DEMO_STAFF
    password: str = DEMO_PASSWORD
    households: int = 0
    sources: int = 0
    assignments: int = 0
    visits: int = 0
    notes: list[str] = field(default_factory=list)


def seed_demo(database: Database, policy: Policy, now: datetime | None = None) -> DemoSummary:
    """Seed once; a database that already has the demo users is left as it is."""
    moment = now or datetime.now(UTC)
    with database.write() as session:
        if session.scalar(select(StaffRow.id).where(StaffRow.username == "wangfang")):
            return DemoSummary(created=False)
        add_places(session)
        add_people(session)
        households = demo_households(random.Random(2026), moment.date())
        save_households(session, households, ImportReport())
        sources = add_sources(session, households, random.Random(7), moment)
        made = assign_sources(session, policy)
        for staff_id in session.scalars(select(StaffRow.id)):
            publish_quota_rows(session, policy, staff_id, moment)
    return DemoSummary(True, households=len(households), sources=sources, assignments=len(made))


def add_places(session: Session) -> None:
    center_id, center_name = CENTER
    session.add(CenterRow(id=center_id, name=center_name))
    for team_id, team_name in TEAMS:
        session.add(TeamRow(id=team_id, name=team_name, center_id=center_id))
    session.flush()


def add_people(session: Session) -> None:
    """Supervisors first, so the assistants can name theirs."""
    for login in DEMO_STAFF:
        center = CENTER[0] if login.team_id is None and login.role != "admin" else None
        new = NewStaff(
            username=login.username,
            name=login.name,
            role=login.role,
            password=DEMO_PASSWORD,
            team_id=login.team_id,
            center_id=center,
            supervisor=login.supervisor,
        )
        add_staff_member(session, new)


def demo_households(rng: random.Random, today: date) -> list[Household]:
    """Buildings 1-5 east, 6-10 west; two units; ten floors; a few key customers and refusers."""
    households = []
    for index, (team_id, _) in enumerate(TEAMS):
        for building in range(1 + index * BUILDINGS_PER_TEAM, 1 + (index + 1) * BUILDINGS_PER_TEAM):
            for unit in UNITS:
                for floor in FLOORS:
                    room = f"{floor}{ROOMS_PER_FLOOR[0]}"
                    households.append(demo_household(rng, team_id, building, unit, room, today))
    return households


def demo_household(
    rng: random.Random, team_id: str, building: int, unit: str, room: str, today: date
) -> Household:
    return Household(
        id=f"h-{building}-{unit}-{room}",
        team_id=team_id,
        building=f"{building}栋",
        unit=f"{unit}单元",
        room=room,
        owner_name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", *GIVEN)),
        phone=f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
        move_in=today - timedelta(days=rng.randint(30, 2000)),
        key_customer=rng.random() < 0.05,
        do_not_visit=rng.random() < 0.02,
    )


def add_sources(
    session: Session, households: list[Household], rng: random.Random, now: datetime
) -> int:
    """Complaints (mostly general, some important, one major) and repairs closed lately."""
    reachable = [h for h in households if not h.do_not_visit]
    for n in range(COMPLAINTS):
        level = ComplaintLevel.MAJOR if n == 0 else _level(rng)
        session.add(_source(f"c-{n + 1:03d}", SourceType.COMPLAINT, rng, reachable, now, level))
    for n in range(REPAIRS):
        session.add(_source(f"r-{n + 1:03d}", SourceType.REPAIR, rng, reachable, now, None))
    session.flush()
    return COMPLAINTS + REPAIRS


def _level(rng: random.Random) -> ComplaintLevel:
    return ComplaintLevel.IMPORTANT if rng.random() < 0.15 else ComplaintLevel.GENERAL


def _source(
    source_id: str,
    kind: SourceType,
    rng: random.Random,
    households: list[Household],
    now: datetime,
    level: ComplaintLevel | None,
) -> SourceRow:
    opened = now - timedelta(days=rng.randint(3, 25), hours=rng.randint(0, 12))
    closed = min(now - timedelta(hours=1), opened + timedelta(days=rng.randint(0, 2), hours=4))
    category = rng.choice(list(ComplaintCategory)).value if kind is SourceType.COMPLAINT else None
    return SourceRow(
        id=source_id,
        type=kind.value,
        level=level.value if level else None,
        category=category,
        household_id=rng.choice(households).id,
        opened_at=opened,
        closed_at=closed,
        anonymous=kind is SourceType.COMPLAINT and rng.random() < 0.05,
    )
