"""The change feed that phones pull: every change gets a sequence number inside the writer's own
transaction, so pull order is commit order and a paging reader never skips a change.

The number comes from bumping the ``changes`` row of ``sequence_counters``. On PostgreSQL that
UPDATE locks the row until the caller commits, so the next writer's number is handed out only
after this one is visible; on SQLite every writer holds the database lock (BEGIN IMMEDIATE)
anyway. A rolled-back transaction rolls its number back too, so the feed has no holes that a
later commit could fill behind a reader's cursor.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.db.models import ChangeRow, SequenceCounter
from sync.protocol import ChangeType

CHANGES_SEQUENCE = "changes"


def next_change_seq(session: Session) -> int:
    """Bumps the counter and returns the new value; the row stays locked until commit."""
    statement = (
        update(SequenceCounter)
        .where(SequenceCounter.name == CHANGES_SEQUENCE)
        .values(value=SequenceCounter.value + 1)
        .returning(SequenceCounter.value)
    )
    value = session.execute(statement).scalar_one_or_none()
    if value is None:
        raise RuntimeError("sequence counter 'changes' is missing: run migrations first")
    return int(value)


def record_change(
    session: Session,
    type: ChangeType | str,
    entity_id: str,
    data: dict[str, Any],
    staff_id: str | None = None,
    team_id: str | None = None,
) -> int:
    """Appends one change addressed to a staff member and/or a team; call it inside the same
    write transaction as the change itself, so the feed and the data commit together.
    Returns the change's sequence number."""
    if staff_id is None and team_id is None:
        raise ValueError("a change must be addressed to a staff member or a team")
    kind = ChangeType(type)
    seq = next_change_seq(session)
    row = ChangeRow(
        seq=seq, type=kind.value, entity_id=entity_id, staff_id=staff_id, team_id=team_id, data=data
    )
    session.add(row)
    session.flush()
    return seq


def current_change_seq(session: Session) -> int:
    """The highest sequence number committed so far (as this session sees it)."""
    value = session.scalar(
        select(SequenceCounter.value).where(SequenceCounter.name == CHANGES_SEQUENCE)
    )
    return int(value or 0)
