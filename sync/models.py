"""The records phone and server exchange, and the rules both sides enforce.

These models are the wire format *and* the validation: the server's tables map to them and the
phone's store keeps their JSON, so a record one side refuses the other refuses too (DOMAIN.md R1,
R10; DESIGN.md "The Visit record").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

FUTURE_TOLERANCE = timedelta(minutes=10)
MAX_PHOTOS = 12
MAX_STROKES = 64
MAX_POINTS_PER_STROKE = 2000
MAX_TEXT = 2000
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
ShortText = Annotated[str, Field(max_length=MAX_TEXT)]


class Contract(BaseModel):
    """Base of every wire model: unknown fields are refused, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Role(StrEnum):
    PROPERTY_ASSISTANT = "property_assistant"
    INTERVIEWER = "interviewer"
    CULTURE_CLERK = "culture_clerk"
    MAINTENANCE_SUPERVISOR = "maintenance_supervisor"
    CS_SUPERVISOR = "cs_supervisor"
    CENTER_MANAGER = "center_manager"
    COMPANY_MANAGER = "company_manager"
    ADMIN = "admin"


SUPERVISOR_ROLES = frozenset(
    {Role.MAINTENANCE_SUPERVISOR, Role.CS_SUPERVISOR, Role.CENTER_MANAGER, Role.COMPANY_MANAGER}
)


class VisitKind(StrEnum):
    COMPLAINT_FOLLOWUP = "complaint_followup"
    REPAIR_FOLLOWUP = "repair_followup"
    EVENT_FOLLOWUP = "event_followup"
    RELATIONSHIP = "relationship"
    MOVE_IN = "move_in"
    HOLIDAY = "holiday"
    EMERGENCY_FOLLOWUP = "emergency_followup"


class Method(StrEnum):
    ON_SITE = "on_site"
    PHONE = "phone"


class Outcome(StrEnum):
    SATISFIED = "satisfied"
    UNSATISFIED = "unsatisfied"
    UNREACHABLE = "unreachable"
    REFUSED = "refused"


REACHED_OUTCOMES = frozenset({Outcome.SATISFIED, Outcome.UNSATISFIED})


class InspectionResult(StrEnum):
    OK = "ok"
    NOT_OK = "not_ok"
    NA = "na"


class SourceType(StrEnum):
    COMPLAINT = "complaint"
    REPAIR = "repair"
    EVENT = "event"


class ComplaintLevel(StrEnum):
    GENERAL = "general"
    IMPORTANT = "important"
    MAJOR = "major"


class ComplaintCategory(StrEnum):
    BUILDING = "building"
    EQUIPMENT = "equipment"
    SECURITY = "security"
    ENVIRONMENT = "environment"
    GENERAL_SERVICES = "general_services"
    NEIGHBOUR_DISPUTE = "neighbour_dispute"
    DEVELOPER = "developer"
    OTHER = "other"


class ReviewDecision(StrEnum):
    APPROVED = "approved"
    RETURNED = "returned"


class AssignmentStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


def _not_in_future(moment: datetime | None, now: datetime, name: str) -> None:
    if moment is not None and moment > now + FUTURE_TOLERANCE:
        raise ValueError(f"{name} is more than 10 minutes in the future")


class Location(Contract):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0)


class InspectionItem(Contract):
    item: str = Field(min_length=1, max_length=200)
    result: InspectionResult
    note: ShortText = ""


class Revisit(Contract):
    needed: bool = False
    due: date | None = None


class Photo(Contract):
    sha256: Sha256
    width: int = Field(gt=0, le=20000)
    height: int = Field(gt=0, le=20000)
    bytes: int = Field(gt=0, le=10_000_000)
    taken_at: AwareDatetime | None = None


Point = tuple[float, float, int]
"""A pad point: x, y in pad pixels and milliseconds since the pad was first touched."""


class Signature(Contract):
    strokes: list[Annotated[list[Point], Field(min_length=1, max_length=MAX_POINTS_PER_STROKE)]] = (
        Field(min_length=1, max_length=MAX_STROKES)
    )
    png_sha256: Sha256
    signed_at: AwareDatetime
    content_hash: Sha256


class VisitContent(Contract):
    """A visit's fields without the record rules: what the signature's content_hash is taken of
    before the signature exists. Only ``Visit`` travels and is stored."""

    id: UUID
    staff_id: str = Field(min_length=1, max_length=64)
    household_id: str = Field(min_length=1, max_length=64)
    kind: VisitKind
    source_id: str | None = Field(default=None, max_length=64)
    previous_id: UUID | None = None
    method: Method
    started_at: AwareDatetime
    ended_at: AwareDatetime
    location: Location | None = None
    inspection: list[InspectionItem] = Field(default_factory=list, max_length=100)
    needs: ShortText = ""
    measures: ShortText = ""
    measures_done: bool = False
    owner_comment: ShortText = ""
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    outcome: Outcome
    revisit: Revisit = Field(default_factory=Revisit)
    photos: list[Photo] = Field(default_factory=list, max_length=MAX_PHOTOS)
    signature: Signature | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime


class Visit(VisitContent):
    """A completed visit: the contract's rules hold for every instance."""

    @model_validator(mode="after")
    def _check_rules(self) -> Self:
        check_visit_rules(self, datetime.now(UTC))
        return self


def check_visit_rules(visit: VisitContent, now: datetime) -> None:
    """The record-level rules of DESIGN.md, raised as ValueError so pydantic reports them."""
    _check_signature_rule(visit)
    if visit.ended_at < visit.started_at:
        raise ValueError("ended_at is before started_at")
    for name in ("started_at", "ended_at", "created_at", "updated_at"):
        _not_in_future(getattr(visit, name), now, name)
    if visit.signature is not None:
        _not_in_future(visit.signature.signed_at, now, "signature.signed_at")
    for photo in visit.photos:
        _not_in_future(photo.taken_at, now, "photo.taken_at")
    _check_satisfaction_rule(visit)


def _check_signature_rule(visit: VisitContent) -> None:
    if visit.method is Method.PHONE:
        if visit.signature is not None:
            raise ValueError("a phone follow-up (电话回访) carries no signature")
        if visit.photos:
            raise ValueError("a phone follow-up (电话回访) carries no photos")
    elif visit.outcome in REACHED_OUTCOMES and visit.signature is None:
        raise ValueError("an on-site visit that reached the owner needs the owner's signature (R1)")


def _check_satisfaction_rule(visit: VisitContent) -> None:
    if visit.outcome in REACHED_OUTCOMES:
        if visit.satisfaction is None:
            raise ValueError("satisfaction (1-5) is required when the owner was reached")
    elif visit.satisfaction is not None:
        raise ValueError("satisfaction must be empty when the owner was unreachable or refused")
    if visit.outcome is Outcome.UNSATISFIED and not visit.revisit.needed:
        raise ValueError("an unsatisfied owner needs a revisit (R10)")


class Center(Contract):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100)


class Team(Contract):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100)
    center_id: str = Field(min_length=1, max_length=64)


class Staff(Contract):
    id: str
    username: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100)
    role: Role
    team_id: str | None = None
    center_id: str | None = None
    supervisor_id: str | None = None


class Household(Contract):
    id: str = Field(min_length=1, max_length=64)
    team_id: str = Field(min_length=1, max_length=64)
    building: str = Field(min_length=1, max_length=32)
    unit: str = Field(default="", max_length=32)
    room: str = Field(min_length=1, max_length=32)
    owner_name: str = Field(min_length=1, max_length=100)
    phone: str = Field(default="", max_length=32, pattern=r"^[0-9+\- ]*$")
    move_in: date | None = None
    key_customer: bool = False
    do_not_visit: bool = False


class Source(Contract):
    """A complaint, repair order or community event that may need a follow-up (R3-R7, R12)."""

    id: str = Field(min_length=1, max_length=64)
    type: SourceType
    level: ComplaintLevel | None = None
    category: ComplaintCategory | None = None
    household_id: str | None = Field(default=None, max_length=64)
    opened_at: AwareDatetime
    closed_at: AwareDatetime | None = None
    anonymous: bool = False
    resolved_on_spot: bool = False
    sensitive: bool = False
    letter_only: bool = False

    @model_validator(mode="after")
    def _check_source(self) -> Self:
        if self.closed_at is not None and self.closed_at < self.opened_at:
            raise ValueError("closed_at is before opened_at")
        if self.type is SourceType.COMPLAINT and self.level is None:
            raise ValueError("a complaint needs a level (general, important, major)")
        if self.type is not SourceType.EVENT and self.household_id is None:
            raise ValueError("a complaint or repair belongs to a household")
        return self


class Assignment(Contract):
    """A visit someone must make: a follow-up, a revisit (R10), a rectification (R19), a plan."""

    id: str
    staff_id: str
    household_id: str
    kind: VisitKind
    source_id: str | None = None
    previous_id: UUID | None = None
    due: date
    reason: str = ""
    status: AssignmentStatus = AssignmentStatus.OPEN


class Review(Contract):
    visit_id: UUID
    reviewer_id: str
    reviewer_name: str = ""
    decision: ReviewDecision
    comment: str = Field(default="", max_length=MAX_TEXT)
    reviewed_at: AwareDatetime
