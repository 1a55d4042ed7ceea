"""Applying a push (DESIGN.md "HTTP contract v1"): each op alone, in its own transaction, and
idempotent for ever by visit id, so a phone can resend anything any number of times.

The checks that need no database run first (contract rules, the caller's own visit, the
signature binding the content); then one write transaction per op decides between
``duplicate`` (same fingerprint, nothing changes), ``conflict`` (same id, other content: the record
is kept in ``conflicts``, never applied), a rejection (household, blobs) or ``applied``. The reply
lists one result per op in the request's order and is sent only after every op committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server.db.models import BlobRow, ConflictRow, HouseholdRow, StaffRow, VisitBlobRow, VisitRow
from server.db.session import Database
from server.services.access import visit_scope
from server.services.assignments import assignments_after_visit
from server.services.changes import current_change_seq
from sync.canonical import (
    content_hash,
    content_hash_matches,
    visit_blob_hashes,
    visit_fingerprint,
)
from sync.models import Visit
from sync.policy import Policy
from sync.protocol import (
    ErrorCode,
    OpResult,
    OpStatus,
    PushOp,
    PushResponse,
    describe_validation_error,
    parse_visit,
)

INTEGRITY_RETRIES = 3
"""Two devices racing to insert the same visit id: the loser re-runs and sees the winner's row."""


class OpRejected(Exception):
    """One op refused with a contract code; the rest of the batch goes on."""

    def __init__(self, code: ErrorCode, message: str, missing: list[str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.missing = missing


@dataclass(frozen=True)
class OpOutcome:
    """What one op came to, before it is given its op_id."""

    status: OpStatus
    code: ErrorCode | None = None
    message: str | None = None
    missing: list[str] | None = None


CONFLICT = OpOutcome(
    OpStatus.REJECTED,
    ErrorCode.CONFLICT,
    "this visit id was already synced with different content; kept for a person to resolve",
)


@dataclass(frozen=True)
class Pusher:
    """Who pushes, from which device, under which policy (for the follow-ons of a visit)."""

    staff: StaffRow
    device_id: str
    policy: Policy


@dataclass(frozen=True)
class CheckedVisit:
    """A pushed record that passed every check needing no database."""

    visit: Visit
    record: dict[str, Any]
    fingerprint: str
    content_hash: str


def push_visits(database: Database, pusher: Pusher, ops: list[PushOp]) -> PushResponse:
    """Apply every op in order, each in its own transaction; one result per op."""
    results = [apply_push_op(database, pusher, op) for op in ops]
    with database.read() as session:
        cursor = current_change_seq(session)
    return PushResponse(results=results, cursor=cursor, server_epoch=database.server_epoch())


def apply_push_op(database: Database, pusher: Pusher, op: PushOp) -> OpResult:
    """One op to its result; a rejection is a result, never an exception."""
    try:
        checked = check_record(op.record, pusher.staff.id)
        outcome = _apply_with_retries(database, pusher, checked)
    except OpRejected as rejected:
        outcome = OpOutcome(OpStatus.REJECTED, rejected.code, rejected.message, rejected.missing)
    return OpResult(
        op_id=op.op_id,
        status=outcome.status,
        code=outcome.code,
        message=outcome.message,
        missing=outcome.missing,
    )


def check_record(record: dict[str, Any], staff_id: str) -> CheckedVisit:
    """The contract's rules, ownership and the signature's binding: no database needed."""
    try:
        visit = parse_visit(record)
    except ValidationError as error:
        raise OpRejected(ErrorCode.INVALID, describe_validation_error(error)) from None
    if visit.staff_id != staff_id:
        raise OpRejected(ErrorCode.FORBIDDEN, "a visit may only be pushed by the staff who made it")
    digest = content_hash(visit)
    if not content_hash_matches(visit, digest):
        raise OpRejected(
            ErrorCode.HASH_MISMATCH, "the signature's content_hash does not match the record"
        )
    return CheckedVisit(visit, record, visit_fingerprint(visit), digest)


def _apply_with_retries(database: Database, pusher: Pusher, checked: CheckedVisit) -> OpOutcome:
    for attempt in range(INTEGRITY_RETRIES):
        try:
            with database.write() as session:
                return apply_checked_visit(session, pusher, checked)
        except IntegrityError:
            if attempt == INTEGRITY_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


# Built once: constructing a statement per op cost about as much as running it.
_FINGERPRINT_OF = select(VisitRow.fingerprint).where(VisitRow.id == bindparam("visit_id"))
_TEAM_OF_HOUSEHOLD = select(HouseholdRow.team_id).where(HouseholdRow.id == bindparam("household"))
_STORED_BLOBS = select(BlobRow.sha256).where(
    BlobRow.sha256.in_(bindparam("hashes", expanding=True))
)


def apply_checked_visit(session: Session, pusher: Pusher, checked: CheckedVisit) -> OpOutcome:
    """Inside one write transaction: duplicate, conflict (its record kept), the visit stored, or
    an ``OpRejected`` that rolls the transaction back.

    The lookups and inserts are Core statements on the session's own connection (same
    transaction): a day's push is 40 of these in a row, and the ORM's unit of work around them
    cost more than the SQL and the commit together."""
    connection = session.connection()
    known = connection.execute(_FINGERPRINT_OF, {"visit_id": str(checked.visit.id)}).scalar()
    if known is not None:
        return _answer_repeat(session, known, pusher.device_id, checked)
    _check_household(session, pusher.staff, checked.visit)
    _check_blobs_stored(connection, checked.visit)
    _store_visit(connection, pusher.device_id, checked)
    assignments_after_visit(session, checked.visit, pusher.policy)
    return OpOutcome(OpStatus.APPLIED)


def _answer_repeat(
    session: Session, known_fingerprint: str, device_id: str, checked: CheckedVisit
) -> OpOutcome:
    if known_fingerprint == checked.fingerprint:
        return OpOutcome(OpStatus.DUPLICATE)
    _keep_conflict(session, device_id, checked)
    return CONFLICT


def _keep_conflict(session: Session, device_id: str, checked: CheckedVisit) -> None:
    """Keep the rejected record once per distinct content, however often the phone resends it."""
    visit_id = str(checked.visit.id)
    known = session.scalar(
        select(ConflictRow.id).where(
            ConflictRow.visit_id == visit_id, ConflictRow.fingerprint == checked.fingerprint
        )
    )
    if known is None:
        session.add(
            ConflictRow(
                visit_id=visit_id,
                staff_id=checked.visit.staff_id,
                device_id=device_id,
                fingerprint=checked.fingerprint,
                record=checked.record,
            )
        )


def _check_household(session: Session, staff: StaffRow, visit: Visit) -> None:
    found = session.connection().execute(_TEAM_OF_HOUSEHOLD, {"household": visit.household_id})
    team = found.first()
    if team is None:
        raise OpRejected(ErrorCode.INVALID, f"unknown household {visit.household_id}")
    if not visit_scope(session, staff).sees_household(team.team_id):
        raise OpRejected(ErrorCode.FORBIDDEN, f"household {visit.household_id} is not yours")


def _check_blobs_stored(connection: Connection, visit: Visit) -> None:
    needed = list(dict.fromkeys(visit_blob_hashes(visit)))
    if not needed:
        return
    stored = set(connection.execute(_STORED_BLOBS, {"hashes": needed}).scalars())
    missing = [sha for sha in needed if sha not in stored]
    if missing:
        raise OpRejected(
            ErrorCode.MISSING_BLOBS, f"{len(missing)} photo(s)/signature not uploaded yet", missing
        )


def _store_visit(connection: Connection, device_id: str, checked: CheckedVisit) -> None:
    """The record exactly as received, its query columns, and which blobs it uses."""
    values = visit_values(
        checked.visit, checked.record, checked.fingerprint, device_id, checked.content_hash
    )
    connection.execute(insert(VisitRow), [values])
    links = [
        {"visit_id": values["id"], "sha256": sha}
        for sha in dict.fromkeys(visit_blob_hashes(checked.visit))
    ]
    if links:
        connection.execute(insert(VisitBlobRow), links)


def visit_row_for(
    visit: Visit, record: dict[str, Any], fingerprint: str, device_id: str
) -> VisitRow:
    """The stored form of a pushed visit, as an ORM row (for seeding tests and tools)."""
    return VisitRow(**visit_values(visit, record, fingerprint, device_id))


def visit_values(
    visit: Visit,
    record: dict[str, Any],
    fingerprint: str,
    device_id: str,
    digest: str | None = None,
) -> dict[str, Any]:
    """The stored form of a pushed visit: the wire record plus copies of the queried columns."""
    return {
        "id": str(visit.id),
        "staff_id": visit.staff_id,
        "household_id": visit.household_id,
        "kind": visit.kind.value,
        "method": visit.method.value,
        "outcome": visit.outcome.value,
        "satisfaction": visit.satisfaction,
        "source_id": visit.source_id,
        "previous_id": str(visit.previous_id) if visit.previous_id else None,
        "started_at": visit.started_at,
        "ended_at": visit.ended_at,
        "content_hash": digest or content_hash(visit),
        "fingerprint": fingerprint,
        "record": record,
        "device_id": device_id,
    }
