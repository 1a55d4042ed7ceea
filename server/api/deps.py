"""The dependencies every route declares: declared once here as Annotated aliases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from server.blobs import BlobStore
from server.db.models import StaffRow
from server.db.session import Database
from server.errors import ApiError
from server.services.auth import staff_for_token
from server.services.policies import policy_for
from server.settings import Settings
from sync.models import SUPERVISOR_ROLES, Role
from sync.policy import Policy
from sync.protocol import ErrorCode

# Dependencies that only read app state or check a role are ``async def``: FastAPI runs a plain
# ``def`` dependency in its thread pool, a thread hand-off per request for an attribute lookup.
# Those that touch the database stay ``def`` (they would block the event loop), except the
# caller's token lookup on SQLite (see ``current_staff``).


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def read_session(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    with database.read() as session:
        yield session


def write_session(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    with database.write() as session:
        yield session


async def get_blob_store(request: Request) -> BlobStore:
    store: BlobStore = request.app.state.blob_store
    return store


async def get_policy(settings: Annotated[Settings, Depends(get_settings)]) -> Policy:
    return policy_for(settings)


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
PolicyDep = Annotated[Policy, Depends(get_policy)]
BlobStoreDep = Annotated[BlobStore, Depends(get_blob_store)]
# scope="function": the session closes (a write commits) before the response is sent. FastAPI's
# default "request" scope runs the exit code AFTER sending, so a client could read its own
# write back before the commit, or be told "ok" about a write whose commit then failed.
ReadSession = Annotated[Session, Depends(read_session, scope="function")]
WriteSession = Annotated[Session, Depends(write_session, scope="function")]


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, ErrorCode.UNAUTHORIZED, "missing bearer token")
    return token.strip()


async def current_staff(request: Request, database: DatabaseDep) -> StaffRow:
    """The caller, from a live token; its own short read so routes keep their session choice.

    Every request runs this. On SQLite the read runs right here on the event loop, on a
    connection of its own (``Database.loop_read``): one indexed read of a local file (about
    50 us) costs less than sending it to a worker thread and back (0.1-0.2 ms of CPU).
    PostgreSQL is across a network, so there the read goes to a thread.
    """
    token = bearer_token(request)
    if database.is_sqlite:
        staff = _staff_over(database.loop_read, token)
    else:
        staff = await run_in_threadpool(_staff_over, database.read_connection, token)
    if staff is None:
        raise ApiError(401, ErrorCode.UNAUTHORIZED, "token is unknown, expired or revoked")
    return staff


def _staff_over(
    read: Callable[[], AbstractContextManager[Connection]], token: str
) -> StaffRow | None:
    with read() as connection:
        return staff_for_token(connection, token)


CurrentStaff = Annotated[StaffRow, Depends(current_staff)]


async def supervisor_staff(staff: CurrentStaff) -> StaffRow:
    if Role(staff.role) not in SUPERVISOR_ROLES | {Role.ADMIN}:
        raise ApiError(403, ErrorCode.FORBIDDEN, "only supervisors and managers may do this")
    return staff


SupervisorStaff = Annotated[StaffRow, Depends(supervisor_staff)]
