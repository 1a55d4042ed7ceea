"""Quota board for 1,000 staff over 1,000,000 visits (SQLite) against the raw SQL aggregate.

The board is the service path ``GET /quotas`` takes for a company-wide caller (staff in scope,
then ``quota_board``), timed without HTTP. The baseline is the hand-written SQL that answers the
same question — per staff member, the counted visits matching each rule of the default policy,
for the month and for the running week (``SUM(CASE ...)`` per rule) — run through ``sqlite3``
directly, with no ORM and no rows built. Both are timed alternately in the same run; medians.

Target (issue 6): ratio <= 1.5.

    .venv/bin/python bench/quota.py [--quick] [--explain]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.db.migrate import upgrade_database
from server.db.models import StaffRow
from server.db.session import Database
from server.services.quotas import quota_board
from server.services.scope import staff_in_scope
from sync.models import Method, Outcome, Role, VisitKind
from sync.periods import month_period, reference_period, utc_bounds
from sync.policy import PeriodKind, Policy, QuotaRule, load_policy

STAFF = 1_000
VISITS = 1_000_000
MONTHS = 12
NOW = datetime(2026, 10, 20, 12, tzinfo=ZoneInfo("Asia/Shanghai"))
ROLES = [Role.PROPERTY_ASSISTANT] * 6 + [Role.INTERVIEWER, Role.CULTURE_CLERK]
ROLES += [Role.MAINTENANCE_SUPERVISOR, Role.CS_SUPERVISOR, Role.CENTER_MANAGER]
RAW_SQL = (
    "SELECT staff_id, {sums} FROM visits WHERE started_at >= ? AND started_at < ?"
    " AND (review_status IS NULL OR review_status != 'returned') GROUP BY staff_id"
)


def raw_condition(rule: QuotaRule) -> str:
    """A rule's filter written by hand as SQL text (independent of the server's builder)."""
    parts = ["1"]
    for column, values in (
        ("kind", rule.kinds),
        ("method", rule.methods),
        ("outcome", rule.outcomes),
    ):
        if values:
            parts.append(f"{column} IN ({', '.join(repr(str(v)) for v in sorted(values))})")
    return " AND ".join(parts)


def raw_sql(rules: list[QuotaRule]) -> str:
    sums = ", ".join(f"SUM(CASE WHEN {raw_condition(r)} THEN 1 ELSE 0 END)" for r in rules)
    return RAW_SQL.format(sums=sums)


def seed(path: Path, staff: int, visits: int) -> None:
    """Staff, households and visits spread over the 12 months before NOW, in bulk."""
    database = Database(f"sqlite:///{path}")
    upgrade_database(database)
    database.dispose()
    connection = sqlite3.connect(path)
    connection.execute("INSERT INTO centers VALUES ('c1', 'centre')")
    connection.execute("INSERT INTO teams VALUES ('t1', 'team', 'c1')")
    connection.executemany(
        "INSERT INTO staff (id, username, name, role, team_id, center_id, password_hash, active,"
        " created_at) VALUES (?, ?, ?, ?, 't1', 'c1', 'x', 1, '2026-01-01 00:00:00')",
        [
            (f"s{n:04d}", f"u{n:04d}", f"staff {n}", ROLES[n % len(ROLES)].value)
            for n in range(staff)
        ]
        + [("admin", "admin", "admin", Role.ADMIN.value)],
    )
    connection.executemany(
        "INSERT INTO households (id, team_id, building, unit, room, owner_name, phone,"
        " key_customer, do_not_visit) VALUES (?, 't1', '1', '', ?, 'owner', '', 0, 0)",
        [(f"h{n:04d}", str(n)) for n in range(1000)],
    )
    connection.executemany(
        "INSERT INTO visits (id, staff_id, household_id, kind, method, outcome, started_at,"
        " ended_at, content_hash, fingerprint, record, device_id, received_at, review_status)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', '{}', '', ?, ?)",
        visit_rows(staff, visits),
    )
    connection.commit()
    connection.execute("ANALYZE")
    connection.close()


def visit_rows(staff: int, visits: int) -> list[tuple[object, ...]]:
    rng = random.Random(6)
    kinds, methods, outcomes = list(VisitKind), list(Method), list(Outcome)
    end = NOW.astimezone(UTC).replace(tzinfo=None)
    span = timedelta(days=30 * MONTHS).total_seconds()
    rows: list[tuple[object, ...]] = []
    for _ in range(visits):
        at = (end - timedelta(seconds=rng.random() * span)).isoformat(sep=" ")
        review = "returned" if rng.random() < 0.02 else None
        rows.append(
            (
                str(uuid.UUID(int=rng.getrandbits(128))),
                f"s{rng.randrange(staff):04d}",
                f"h{rng.randrange(1000):04d}",
                rng.choice(kinds).value,
                rng.choice(methods).value,
                rng.choice(outcomes).value,
                at,
                at,
                at,
                review,
            )
        )
    return rows


def board_runner(database: Database, policy: Policy) -> Callable[[], int]:
    def run() -> int:
        with database.read() as session:
            caller = session.get(StaffRow, "admin")
            assert caller is not None
            scope = staff_in_scope(session, caller, None)
            board = quota_board(session, policy, month_period(2026, 10), scope, NOW)
        return sum(row.done for row in board.rows)

    return run


def raw_runner(path: Path, policy: Policy) -> Callable[[], int]:
    month = month_period(2026, 10)
    week = reference_period(PeriodKind.WEEK, month, NOW, policy.zone)
    queries = []
    for period in (month, week):
        rules = [rule for rule in policy.quota if rule.period is period.kind]
        bounds = tuple(
            b.replace(tzinfo=None).isoformat(sep=" ") for b in utc_bounds(period, policy.zone)
        )
        queries.append((raw_sql(rules), bounds))
    connection = sqlite3.connect(path, check_same_thread=False)

    def run() -> int:
        return sum(len(connection.execute(sql, b).fetchall()) for sql, b in queries)

    return run


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def measure(board: Callable[[], int], raw: Callable[[], int], rounds: int) -> tuple[float, float]:
    board(), raw()  # warm the page cache and the statement caches
    board_s: list[float] = []
    raw_s: list[float] = []
    for _ in range(rounds):
        for runner, samples in ((board, board_s), (raw, raw_s)):
            started = time.perf_counter()
            runner()
            samples.append(time.perf_counter() - started)
    return median_ms(board_s), median_ms(raw_s)


def explain(path: Path, policy: Policy) -> None:
    start, end = utc_bounds(month_period(2026, 10), policy.zone)
    bounds = (
        start.replace(tzinfo=None).isoformat(sep=" "),
        end.replace(tzinfo=None).isoformat(sep=" "),
    )
    with sqlite3.connect(path) as connection:
        sql = raw_sql([rule for rule in policy.quota if rule.period is PeriodKind.MONTH])
        for row in connection.execute("EXPLAIN QUERY PLAN " + sql, bounds):
            print("plan:", row[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k visits, fewer rounds")
    parser.add_argument("--explain", action="store_true", help="print the query plan")
    args = parser.parse_args()
    visits, rounds = (100_000, 5) if args.quick else (VISITS, 15)
    policy = load_policy(None)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        started = time.perf_counter()
        seed(path, STAFF, visits)
        print(f"seeded {STAFF} staff, {visits} visits in {time.perf_counter() - started:.1f} s")
        if args.explain:
            explain(path, policy)
        database = Database(f"sqlite:///{path}")
        board_ms, raw_ms = measure(board_runner(database, policy), raw_runner(path, policy), rounds)
        database.dispose()
    print(f"board {board_ms:.1f} ms, raw SQL aggregate {raw_ms:.1f} ms (median of {rounds})")
    print(f"quota: ratio={board_ms / raw_ms:.2f} board_ms={board_ms:.1f}")


if __name__ == "__main__":
    main()
