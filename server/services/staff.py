"""Staff accounts: adding them (``huifang user add``), listing them, and their wire record.

Every problem is a ``StaffError`` with a sentence a person can act on, so the CLI can print it
as it is. Teams and centres are created on first use, because nothing else creates them yet and
an administrator setting up a new office should not need a second tool: a new team goes into the
centre given with ``--center``, or into ``DEFAULT_CENTER`` when none is given.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server.db.models import CenterRow, StaffRow, TeamRow, TokenRow, utc_now
from server.services.auth import hash_password
from sync.models import SUPERVISOR_ROLES, Role, Staff

DEFAULT_CENTER = "default"
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
USERNAME_PATTERN = re.compile(r"^[\w.@-]{1,64}$")
TEAM_ROLES = frozenset(
    {
        Role.PROPERTY_ASSISTANT,
        Role.INTERVIEWER,
        Role.CULTURE_CLERK,
        Role.CS_SUPERVISOR,
        Role.MAINTENANCE_SUPERVISOR,
    }
)
COMMON_PASSWORDS = frozenset(
    {"password", "12345678", "123456789", "1234567890", "88888888", "11111111", "qwertyui",
     "abcd1234", "password1", "iloveyou", "huifang123", "admin123", "a12345678", "00000000"}
)  # fmt: skip


class StaffError(ValueError):
    """A request to add or change staff that cannot be carried out, with the reason."""


@dataclass(frozen=True)
class NewStaff:
    username: str
    name: str
    role: str
    password: str
    team_id: str | None = None
    center_id: str | None = None
    supervisor: str | None = None


def staff_record(row: StaffRow) -> Staff:
    return Staff(
        id=row.id,
        username=row.username,
        name=row.name,
        role=Role(row.role),
        team_id=row.team_id,
        center_id=row.center_id,
        supervisor_id=row.supervisor_id,
    )


ROLE_NAMES_ZH = {
    "物业助理": Role.PROPERTY_ASSISTANT,
    "会客访谈人员": Role.INTERVIEWER,
    "社区文化文员": Role.CULTURE_CLERK,
    "设备管理维修主管": Role.MAINTENANCE_SUPERVISOR,
    "客服部主管": Role.CS_SUPERVISOR,
    "客服负责人": Role.CS_SUPERVISOR,
    "服务中心负责人": Role.CENTER_MANAGER,
    "管理处主任": Role.CENTER_MANAGER,
    "公司经理": Role.COMPANY_MANAGER,
    "系统管理员": Role.ADMIN,
}


def parse_role(text: str) -> Role:
    """A role id, or its Chinese title from DOMAIN.md (物业助理, 客服部主管 ...)."""
    if text.strip() in ROLE_NAMES_ZH:
        return ROLE_NAMES_ZH[text.strip()]
    try:
        return Role(text.strip())
    except ValueError:
        choices = ", ".join(role.value for role in Role)
        raise StaffError(f"unknown role {text!r}; choose one of: {choices}") from None


def check_password(password: str, username: str) -> None:
    """Refuses passwords a colleague could guess: short, common, or the user name itself."""
    if not password.strip():
        raise StaffError("the password is empty")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"the password is shorter than {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise StaffError(f"the password is longer than {MAX_PASSWORD_LENGTH} characters")
    lowered = password.casefold()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 3 or username.casefold() in lowered:
        raise StaffError("the password is too easy to guess (common, repetitive or the user name)")


def add_staff_member(session: Session, new: NewStaff) -> tuple[StaffRow, list[str]]:
    """Adds one account; returns it and notes on anything created along the way (teams)."""
    role = parse_role(new.role)
    check_new_account(session, new, role)
    notes: list[str] = []
    team_id, center_id = placement(session, new, role, notes)
    supervisor_id = supervisor_of(session, new.supervisor)
    row = StaffRow(
        id=uuid.uuid4().hex,
        username=new.username,
        name=new.name.strip(),
        role=role.value,
        team_id=team_id,
        center_id=center_id,
        supervisor_id=supervisor_id,
        password_hash=hash_password(new.password),
    )
    session.add(row)
    session.flush()
    return row, notes


def check_new_account(session: Session, new: NewStaff, role: Role) -> None:
    if not USERNAME_PATTERN.match(new.username):
        raise StaffError(
            f"user name {new.username!r} must be 1-64 letters, digits, '.', '_', '@' or '-'"
        )
    if not new.name.strip() or len(new.name.strip()) > 100:
        raise StaffError("the name must be 1-100 characters")
    if session.scalar(select(StaffRow.id).where(StaffRow.username == new.username)):
        raise StaffError(f"user {new.username!r} already exists")
    if role in TEAM_ROLES and not new.team_id:
        raise StaffError(f"a {role.value} works in a team: give --team")
    if role is Role.CENTER_MANAGER and not (new.center_id or new.team_id):
        raise StaffError("a center_manager runs a centre: give --center")
    check_password(new.password, new.username)


def placement(
    session: Session, new: NewStaff, role: Role, notes: list[str]
) -> tuple[str | None, str | None]:
    """The (team, centre) the account belongs to, creating missing ones. A team's centre wins:
    a --center that contradicts an existing team is an error, not a silent move."""
    if new.team_id is None:
        if new.center_id is not None:
            ensure_center(session, new.center_id, notes)
        return None, new.center_id
    team = session.get(TeamRow, new.team_id)
    if team is None:
        center_id = new.center_id or DEFAULT_CENTER
        ensure_center(session, center_id, notes)
        team = TeamRow(id=new.team_id, name=new.team_id, center_id=center_id)
        session.add(team)
        session.flush()
        notes.append(f"created team {new.team_id!r} in centre {center_id!r}")
    elif new.center_id is not None and new.center_id != team.center_id:
        raise StaffError(
            f"team {team.id!r} belongs to centre {team.center_id!r}, not {new.center_id!r}"
        )
    return team.id, team.center_id


def ensure_center(session: Session, center_id: str, notes: list[str]) -> None:
    if session.get(CenterRow, center_id) is None:
        session.add(CenterRow(id=center_id, name=center_id))
        session.flush()
        notes.append(f"created centre {center_id!r}")


def supervisor_of(session: Session, username: str | None) -> str | None:
    if username is None:
        return None
    row = session.scalar(select(StaffRow).where(StaffRow.username == username))
    if row is None:
        raise StaffError(f"no user {username!r} to be the supervisor; add them first")
    if Role(row.role) not in SUPERVISOR_ROLES:
        raise StaffError(f"{username!r} is a {row.role}, who does not supervise anyone")
    return row.id


def list_staff(session: Session) -> list[StaffRow]:
    query = select(StaffRow).order_by(StaffRow.center_id, StaffRow.team_id, StaffRow.username)
    return list(session.scalars(query))


def find_staff(session: Session, username: str) -> StaffRow:
    row = session.scalar(select(StaffRow).where(StaffRow.username == username))
    if row is None:
        raise StaffError(f"no user {username!r}")
    return row


def set_password(session: Session, username: str, password: str) -> StaffRow:
    """A new password (a forgotten one is reset, never shown); the user's tokens are revoked so
    every device logs in again with it."""
    row = find_staff(session, username)
    check_password(password, username)
    row.password_hash = hash_password(password)
    revoke_tokens(session, row.id)
    return row


def set_active(session: Session, username: str, active: bool) -> StaffRow:
    """Disabling keeps the account and its visits (quotas and reports still name them) but
    ends its tokens and refuses its logins; enabling lets it log in again."""
    row = find_staff(session, username)
    row.active = active
    if not active:
        revoke_tokens(session, row.id)
    return row


def revoke_tokens(session: Session, staff_id: str) -> None:
    session.execute(
        update(TokenRow)
        .where(TokenRow.staff_id == staff_id, TokenRow.revoked_at.is_(None))
        .values(revoked_at=utc_now())
    )
