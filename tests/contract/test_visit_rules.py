"""The contract's record rules (DESIGN.md "The Visit record"): each test fails if its rule goes."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from sync.canonical import content_hash, content_hash_matches, visit_fingerprint, visit_wire
from sync.models import Method, Outcome, Visit
from tests.factories import make_visit


def _record(**changes: Any) -> dict[str, Any]:
    record = make_visit("s-a", "h-1").record
    record.update(changes)
    return record


def _refused(record: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Visit.model_validate(record)
    assert words in str(caught.value)


def test_a_complete_on_site_visit_is_accepted() -> None:
    visit = Visit.model_validate(_record())
    assert visit.signature is not None and content_hash_matches(visit)


def test_on_site_visit_without_signature_is_refused() -> None:
    _refused(_record(signature=None), "signature (R1)")


def test_on_site_visit_where_owner_was_unreachable_needs_no_signature() -> None:
    made = make_visit("s-a", "h-1", outcome=Outcome.UNREACHABLE)
    assert made.visit.signature is None and made.visit.satisfaction is None


def test_phone_visit_carrying_a_signature_is_refused() -> None:
    signed = _record()
    _refused({**signed, "method": "phone", "photos": []}, "carries no signature")


def test_phone_visit_needs_no_signature() -> None:
    made = make_visit("s-a", "h-1", method=Method.PHONE)
    assert made.visit.method is Method.PHONE and made.visit.signature is None


def test_visit_ending_before_it_started_is_refused() -> None:
    record = _record()
    record["ended_at"] = (
        datetime.fromisoformat(record["started_at"]) - timedelta(minutes=1)
    ).isoformat()
    _refused(record, "ended_at is before started_at")


def test_visit_more_than_ten_minutes_in_the_future_is_refused() -> None:
    soon = datetime.now(UTC) + timedelta(minutes=30)
    made = make_visit("s-a", "h-1", method=Method.PHONE)
    record = {**made.record, "started_at": soon.isoformat(), "ended_at": soon.isoformat()}
    _refused(record, "more than 10 minutes in the future")


def test_visit_five_minutes_ahead_is_tolerated_for_phone_clock_drift() -> None:
    soon = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    made = make_visit("s-a", "h-1", method=Method.PHONE)
    Visit.model_validate({**made.record, "ended_at": soon, "updated_at": soon})


def test_timestamps_without_utc_offset_are_refused() -> None:
    _refused(_record(started_at="2026-11-01T10:00:00"), "timezone")


@pytest.mark.parametrize("score", [0, 6])
def test_satisfaction_outside_one_to_five_is_refused(score: int) -> None:
    _refused(_record(satisfaction=score), "satisfaction")


def test_missing_satisfaction_when_owner_was_reached_is_refused() -> None:
    _refused(_record(satisfaction=None), "satisfaction (1-5) is required")


def test_satisfaction_given_for_a_refused_visit_is_refused() -> None:
    made = make_visit("s-a", "h-1", outcome=Outcome.REFUSED)
    _refused({**made.record, "satisfaction": 3}, "satisfaction must be empty")


def test_unsatisfied_owner_without_revisit_is_refused() -> None:
    made = make_visit("s-a", "h-1", method=Method.PHONE, outcome=Outcome.UNSATISFIED)
    _refused({**made.record, "revisit": {"needed": False}}, "revisit (R10)")


def test_unknown_fields_are_refused() -> None:
    _refused(_record(colour="blue"), "Extra inputs are not permitted")


def test_content_hash_is_sha256_of_sorted_compact_utf8_json_without_signature() -> None:
    visit = make_visit("s-a", "h-1", owner_comment="水管已修好").visit
    data = {k: v for k, v in visit_wire(visit).items() if k != "signature"}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert "水管已修好" in text
    assert content_hash(visit) == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_content_hash_survives_a_round_trip_through_json() -> None:
    visit = make_visit("s-a", "h-1").visit
    again = Visit.model_validate_json(json.dumps(visit_wire(visit)))
    assert content_hash(again) == content_hash(visit)
    assert visit_fingerprint(again) == visit_fingerprint(visit)


def test_changing_the_record_after_signing_breaks_the_content_hash() -> None:
    record = _record(owner_comment="签名后改的")
    assert not content_hash_matches(Visit.model_validate(record))


def test_unset_optional_fields_are_left_out_so_older_records_still_verify() -> None:
    visit = make_visit("s-a", "h-1", method=Method.PHONE).visit
    assert "location" not in visit_wire(visit)
    assert "previous_id" not in visit_wire(visit)
