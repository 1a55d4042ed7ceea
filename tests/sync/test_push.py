"""``POST /sync/push`` against the real server: idempotent by visit id for ever, one result per op,
each op alone (DESIGN.md "HTTP contract v1")."""

from __future__ import annotations

import random
import threading
import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from server.db.models import AssignmentRow, ConflictRow, VisitBlobRow, VisitRow
from sync.canonical import content_hash
from sync.models import Method, Outcome
from tests.live_server import LiveServer
from tests.sync.conftest import Assistant, new_assistant
from tests.sync.media_visits import signed_visit


def stored_visit(server: LiveServer, visit_id: str) -> VisitRow | None:
    with server.database.read() as session:
        return session.get(VisitRow, visit_id)


def test_completed_phone_follow_up_is_applied_and_kept_exactly_as_sent(
    assistant: Assistant,
) -> None:
    made = assistant.visit(method=Method.PHONE, needs="热水器  维修后回访")
    [result] = assistant.push(made.record)
    assert result == {"op_id": "op-0", "status": "applied"} | {
        k: None for k in ("code", "message", "missing")
    }
    row = stored_visit(assistant.server, str(made.visit.id))
    assert row is not None
    assert row.record == made.record
    assert row.content_hash == content_hash(made.visit)


def test_on_site_visit_is_applied_once_its_photos_and_signature_are_uploaded(
    assistant: Assistant,
) -> None:
    made = assistant.visit(photos=2)
    assistant.upload(made)
    [result] = assistant.push(made.record)
    assert result["status"] == "applied"
    with assistant.server.database.read() as session:
        used = session.scalars(
            select(VisitBlobRow.sha256).where(VisitBlobRow.visit_id == str(made.visit.id))
        )
        assert set(used) == set(made.blobs)


def test_visit_whose_photos_are_not_uploaded_is_rejected_listing_them(
    assistant: Assistant,
) -> None:
    made = signed_visit(assistant.staff_id, assistant.household_id, random.Random(), photos=2)
    [result] = assistant.push(made.record)
    assert result["status"] == "rejected"
    assert result["code"] == "missing_blobs"
    assert set(result["missing"]) == set(made.blobs)
    assert stored_visit(assistant.server, str(made.visit.id)) is None


def test_same_visit_pushed_again_is_a_duplicate_and_changes_nothing(assistant: Assistant) -> None:
    made = assistant.visit(method=Method.PHONE)
    assistant.push(made.record)
    first = stored_visit(assistant.server, str(made.visit.id))
    [again] = assistant.push(made.record)
    assert again["status"] == "duplicate"
    second = stored_visit(assistant.server, str(made.visit.id))
    assert first is not None and second is not None
    assert second.received_at == first.received_at


def test_same_id_with_other_content_is_a_conflict_kept_once_for_a_person(
    assistant: Assistant,
) -> None:
    made = assistant.visit(method=Method.PHONE, needs="原记录")
    assistant.push(made.record)
    altered = {**made.record, "needs": "改过的记录"}
    results = assistant.push(altered) + assistant.push(altered)
    assert [r["code"] for r in results] == ["conflict", "conflict"]
    row = stored_visit(assistant.server, str(made.visit.id))
    assert row is not None and row.record["needs"] == "原记录"
    with assistant.server.database.read() as session:
        kept = session.scalars(
            select(ConflictRow).where(ConflictRow.visit_id == str(made.visit.id))
        ).all()
    assert [c.record["needs"] for c in kept] == ["改过的记录"]


def test_another_staff_members_visit_is_forbidden(server: LiveServer) -> None:
    wang, li = new_assistant(server), new_assistant(server)
    made = li.visit(method=Method.PHONE)
    [result] = wang.push(made.record)
    assert (result["status"], result["code"]) == ("rejected", "forbidden")


def test_household_outside_the_callers_area_is_forbidden(server: LiveServer) -> None:
    wang, li = new_assistant(server), new_assistant(server)
    made = wang.visit(method=Method.PHONE, household_id=li.household_id)
    [result] = wang.push(made.record)
    assert (result["status"], result["code"]) == ("rejected", "forbidden")


def test_unknown_household_is_invalid(assistant: Assistant) -> None:
    made = assistant.visit(method=Method.PHONE, household_id="h-nowhere")
    [result] = assistant.push(made.record)
    assert (result["code"], result["message"]) == ("invalid", "unknown household h-nowhere")


def test_record_breaking_a_rule_is_invalid_with_the_reason_and_the_rest_still_apply(
    assistant: Assistant,
) -> None:
    good = assistant.visit(method=Method.PHONE)
    bad = {**assistant.visit(method=Method.PHONE).record}
    del bad["satisfaction"]
    first, second = assistant.push(bad, good.record)
    assert first["code"] == "invalid"
    assert "satisfaction" in first["message"]
    assert second["status"] == "applied"


def test_signature_that_does_not_bind_the_record_is_a_hash_mismatch(assistant: Assistant) -> None:
    made = assistant.visit()
    assistant.upload(made)
    tampered = {**made.record, "owner_comment": "签名之后改的"}
    [result] = assistant.push(tampered)
    assert result["code"] == "hash_mismatch"


def test_more_than_100_ops_are_refused_as_a_whole(assistant: Assistant) -> None:
    record = assistant.visit(method=Method.PHONE).record
    ops = [{"op_id": str(n), "record": record} for n in range(101)]
    response = assistant.post("/sync/push", {"device_id": "p", "ops": ops})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


def test_visit_fulfilling_an_open_assignment_closes_it(assistant: Assistant) -> None:
    assignment_id = f"as-{uuid.uuid4().hex[:8]}"
    with assistant.server.database.write() as session:
        session.add(
            AssignmentRow(
                id=assignment_id,
                staff_id=assistant.staff_id,
                household_id=assistant.household_id,
                kind="repair_followup",
                due=date.today() + timedelta(days=3),
            )
        )
    made = assistant.visit(method=Method.PHONE)
    assistant.push(made.record)
    with assistant.server.database.read() as session:
        row = session.get(AssignmentRow, assignment_id)
        assert row is not None
        assert (row.status, row.done_visit_id) == ("done", str(made.visit.id))


def test_unsatisfied_owner_gets_a_revisit_assignment_on_the_phone(assistant: Assistant) -> None:
    made = assistant.visit(method=Method.PHONE, outcome=Outcome.UNSATISFIED)
    assistant.push(made.record)
    pulled = assistant.get("/sync/pull", cursor=0).json()["changes"]
    revisits = [c["data"] for c in pulled if c["type"] == "assignment"]
    assert [a["previous_id"] for a in revisits] == [str(made.visit.id)]


def test_same_batch_pushed_by_racing_retries_is_applied_exactly_once(
    assistant: Assistant,
) -> None:
    """A phone that timed out resends while the first request is still being applied."""
    records = [assistant.visit(method=Method.PHONE).record for _ in range(10)]
    answers: list[list[dict[str, Any]]] = []

    def resend() -> None:
        answers.append(assistant.push(*records))

    threads = [threading.Thread(target=resend) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 4
    for n in range(10):
        statuses = sorted(answer[n]["status"] for answer in answers)
        assert statuses == ["applied", "duplicate", "duplicate", "duplicate"]
