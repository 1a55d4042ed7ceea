"""Liveness and the server epoch: the one endpoint that needs no token."""

from __future__ import annotations

from fastapi import APIRouter

from server.api.deps import DatabaseDep
from sync.protocol import Health

router = APIRouter(tags=["health"])


@router.get("/health")
def health(database: DatabaseDep) -> Health:
    return Health(server_epoch=database.server_epoch())
