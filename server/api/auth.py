"""Log in, log out, and who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from server.api.deps import CurrentStaff, DatabaseDep, SettingsDep, bearer_token
from server.services.login import LoginAttempt, log_in, log_out
from server.services.staff import staff_record
from sync.models import Staff
from sync.protocol import LoginRequest, LoginResponse

router = APIRouter(tags=["auth"])


@router.post("/auth/login")
def login(
    body: LoginRequest, request: Request, database: DatabaseDep, settings: SettingsDep
) -> LoginResponse:
    address = request.client.host if request.client else "unknown"
    attempt = LoginAttempt(body.username, body.password, body.device_id, address)
    issued = log_in(database, settings, attempt)
    return LoginResponse(
        token=issued.token, expires_at=issued.expires_at, staff=staff_record(issued.staff)
    )


@router.post("/auth/logout", status_code=204)
def logout(staff: CurrentStaff, request: Request, database: DatabaseDep) -> Response:
    """Revokes the token the request came with; other devices stay logged in."""
    log_out(database, bearer_token(request))
    return Response(status_code=204)


@router.get("/me")
def me(staff: CurrentStaff) -> Staff:
    return staff_record(staff)
