"""Request and response bodies of HTTP contract v1, and the error codes both sides know."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, Field, ValidationError

from sync.models import Contract, ReviewDecision, Sha256, Staff, Visit

MAX_PUSH_OPS = 100
MAX_PULL_LIMIT = 500
MAX_BLOB_BYTES = 10 * 1024 * 1024
API_PREFIX = "/api/v1"


class ErrorCode(StrEnum):
    """Every code a client may see in ``{"error": {"code": ...}}`` or a rejected push result."""

    BAD_CREDENTIALS = "bad_credentials"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    MALFORMED_JSON = "malformed_json"
    TOO_LARGE = "too_large"
    HASH_MISMATCH = "hash_mismatch"
    NOT_AN_IMAGE = "not_an_image"
    MISSING_BLOBS = "missing_blobs"
    CONFLICT = "conflict"
    BAD_CURSOR = "bad_cursor"


class LoginRequest(Contract):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    device_id: str = Field(default="", max_length=100)


class LoginResponse(Contract):
    token: str
    expires_at: AwareDatetime
    staff: Staff


class Health(Contract):
    status: Literal["ok"] = "ok"
    server_epoch: str


class MissingBlobsRequest(Contract):
    hashes: list[Sha256] = Field(max_length=1000)


class MissingBlobsResponse(Contract):
    missing: list[str]


class PushOp(Contract):
    op_id: str = Field(min_length=1, max_length=100)
    type: Literal["visit.upsert"] = "visit.upsert"
    record: dict[str, Any]
    """Kept raw so one malformed record is rejected alone instead of failing the whole batch."""


class PushRequest(Contract):
    device_id: str = Field(min_length=1, max_length=100)
    ops: list[PushOp] = Field(max_length=MAX_PUSH_OPS)


class OpStatus(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


class OpResult(Contract):
    op_id: str
    status: OpStatus
    code: ErrorCode | None = None
    message: str | None = None
    missing: list[str] | None = None


class PushResponse(Contract):
    results: list[OpResult]
    cursor: int
    server_epoch: str


class ChangeType(StrEnum):
    HOUSEHOLD = "household"
    ASSIGNMENT = "assignment"
    REVIEW = "review"
    QUOTA = "quota"


class Change(Contract):
    seq: int
    type: ChangeType
    data: dict[str, Any]


class PullResponse(Contract):
    changes: list[Change]
    cursor: int
    more: bool
    server_epoch: str


class ReviewRequest(Contract):
    decision: ReviewDecision
    comment: str = Field(default="", max_length=2000)


def parse_visit(record: dict[str, Any]) -> Visit:
    """Parse a pushed record; raises pydantic.ValidationError with the rule that failed."""
    return Visit.model_validate(record)


def describe_validation_error(error: ValidationError) -> str:
    """Pydantic's messages, one per failed field, in a line a person can read: a refused push
    on the phone, a pulled change the phone set aside."""
    parts = []
    for item in error.errors()[:10]:
        location = ".".join(str(part) for part in item.get("loc", ()))
        parts.append(f"{location}: {item['msg']}" if location else str(item["msg"]))
    return "; ".join(parts) or "the record breaks the contract"
