"""The board's SQL aggregate counts exactly what the policy's pure rules count
(``sync.quota_math``), for every rule of the default policy, on random visits near month ends."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.db.models import VisitRow
from server.db.session import Database
from server.services.quotas import quota_board
from server.services.scope import all_staff
from sync.models import Method, Outcome, Role, VisitKind
from sync.periods import month_period, reference_period
from sync.policy import load_policy
from sync.quota_math import CountedVisit, count_done
from tests.factories import add_household, add_staff

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 12, tzinfo=SHANGHAI)
ROLES = [r for r in Role if r is not Role.ADMIN]


def seed_random_visits(database: Database, count: int) -> list[CountedVisit]:
    rng = random.Random(20261120)
    staff = {add_staff(database, f"u{n}", role.value): role for n, role in enumerate(ROLES)}
    add_household(database, "h1")
    base = datetime(2026, 10, 31, 12, tzinfo=SHANGHAI)
    visits = []
    for _ in range(count):
        staff_id = rng.choice(sorted(staff))
        visit = CountedVisit(
            id=str(uuid.UUID(int=rng.getrandbits(128))),
            staff_id=staff_id,
            staff_role=staff[staff_id],
            kind=rng.choice(list(VisitKind)),
            method=rng.choice(list(Method)),
            outcome=rng.choice(list(Outcome)),
            started_at=base + timedelta(hours=rng.uniform(-30 * 24, 20 * 24)),
            returned=rng.random() < 0.15,
        )
        visits.append(visit)
    with database.write() as session:
        session.add_all(row_of(v) for v in visits)
    return visits


def row_of(visit: CountedVisit) -> VisitRow:
    return VisitRow(
        id=visit.id,
        staff_id=visit.staff_id,
        household_id="h1",
        kind=visit.kind.value,
        method=visit.method.value,
        outcome=visit.outcome.value,
        started_at=visit.started_at,
        ended_at=visit.started_at,
        content_hash="",
        fingerprint="",
        record={},
        review_status="returned" if visit.returned else None,
    )


@pytest.mark.parametrize("month", [10, 11])
def test_board_counts_what_the_pure_rules_count(database: Database, month: int) -> None:
    policy = load_policy(None)
    visits = seed_random_visits(database, 400)
    shown = month_period(2026, month)
    with database.read() as session:
        board = quota_board(session, policy, shown, all_staff(session), NOW)
    rules = {rule.id: rule for rule in policy.quota}
    expected = {
        (row.staff_id, row.rule_id): count_done(
            rules[row.rule_id],
            visits,
            row.staff_id,
            reference_period(rules[row.rule_id].period, shown, NOW, policy.zone),
            policy.zone,
        )
        for row in board.rows
    }
    assert {(row.staff_id, row.rule_id): row.done for row in board.rows} == expected
    assert len(board.rows) == len(policy.quota)  # one rule per role in the default policy
    assert sum(expected.values()) > 0
