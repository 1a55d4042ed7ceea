"""A phone that logged in once and pulled its households: the screens' tests start from it with
no server (DESIGN.md layer 2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from mobile.state import AppState
from sync.models import Household, Staff
from sync.protocol import Change, ChangeType
from sync.store_types import DeviceSession

HOUSEHOLDS = [
    Household(id="h-1501", team_id="t1", building="3", unit="2", room="1501", owner_name="王业主"),
    Household(
        id="h-0909",
        team_id="t1",
        building="3",
        unit="1",
        room="0909",
        owner_name="拒访户",
        do_not_visit=True,
    ),
]


def phone_after_a_login(folder: Path) -> AppState:
    """A phone that logged in once and pulled its households (no server needed from here)."""
    state = AppState(folder, "http://127.0.0.1:9")
    staff = Staff(
        id="s-wang", username="wang", name="王芳", role="property_assistant", team_id="t1"
    )
    state.store.save_session(
        DeviceSession("token", datetime.now(UTC) + timedelta(days=7), staff, state.prefs.server_url)
    )
    changes = [
        Change(seq=n, type=ChangeType.HOUSEHOLD, data=h.model_dump(mode="json"))
        for n, h in enumerate(HOUSEHOLDS, start=1)
    ]
    state.store.apply_pull_page(changes, len(changes), "epoch-1")
    state.session = state.store.session()
    return state
