"""What the phone pulls from the server: cursor, households, assignments, reviews, quota snapshot.

Files: ``pull.json`` holds the cursor, the server epoch, assignments, reviews, the quota snapshot
and a *journal* of the last page's household changes; households live in ``households/<team>.json``
(a team's file is small and only the teams a page touches are rewritten).

A page is committed by ONE write of ``pull.json``: the advanced cursor, the assignments, reviews
and quota of the page, and the page's households in the journal. A change the phone cannot read
(it fails the shared model: a server bug, or a newer server) is set aside in that same write, in
``unreadable`` with its reason, instead of failing the page: otherwise every later sync would
stop at the same page and no assignment or review would ever arrive again. The households are
then written to their team files. If the phone dies in between, ``open`` replays the journal
(upserts by id, so replaying is harmless). So after any crash the cursor never runs ahead of the
data it stands for.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sync.models import Assignment, AssignmentStatus, Household, Review
from sync.protocol import Change, ChangeType, describe_validation_error
from sync.storage import Partition, Tables, remove_stale_temps
from sync.store_types import EpochMismatchError, PullState

STATE_KEY = "pull"


class PulledData:
    """The pulled side of the store; ``VisitStore`` delegates to it."""

    def __init__(self, folder: Path) -> None:
        self._teams_dir = folder / "households"
        self._teams_dir.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(self._teams_dir)
        self._pull = Partition(folder / "pull.json")
        self._teams: dict[str, Partition] = {}
        self._team_of: dict[str, str] = {}
        self._load_teams()
        self._replay_journal()

    def _load_teams(self) -> None:
        for path in sorted(self._teams_dir.glob("*.json")):
            part = Partition(path)
            self._teams[path.stem] = part
            for household_id in part.keys("households"):
                self._team_of[household_id] = path.stem

    def _replay_journal(self) -> None:
        journal = self._state_row().get("journal") or []
        if journal:
            self._write_households(journal)
            with self._pull.change() as tables:
                tables["state"][STATE_KEY]["journal"] = []

    def _state_row(self) -> dict[str, Any]:
        return self._pull.get("state", STATE_KEY) or {"cursor": 0, "epoch": None, "journal": []}

    def state(self) -> PullState:
        row = self._state_row()
        return PullState(cursor=int(row["cursor"]), server_epoch=row["epoch"])

    def apply_page(self, changes: list[Change], cursor: int, server_epoch: str) -> int:
        """Apply one page and advance the cursor in one durable write (see module docstring);
        returns how many of its changes were set aside as unreadable."""
        held = self.state().server_epoch
        if held is not None and held != server_epoch:
            raise EpochMismatchError(f"page is from epoch {server_epoch}, store holds {held}")
        readable, unreadable = _sorted_out(changes)
        households = [data for kind, data in readable if kind is ChangeType.HOUSEHOLD]
        with self._pull.change() as tables:
            tables.setdefault("state", {})[STATE_KEY] = {
                "cursor": cursor,
                "epoch": server_epoch,
                "journal": households,
            }
            for kind, data in readable:
                _apply_change(tables, kind, data)
            tables.setdefault("unreadable", {}).update(unreadable)
        self._write_households(households)
        return len(unreadable)

    def unreadable(self) -> list[dict[str, Any]]:
        """Changes set aside since the last epoch reset, oldest first: seq, type, reason, data."""
        return sorted(self._pull.rows("unreadable").values(), key=lambda row: row["seq"])

    def reset(self, server_epoch: str) -> None:
        """The server's database was restored or replaced: pull everything again from 0.

        What was pulled before stays readable (the phone may be offline for hours); it is
        overwritten as the new pages arrive.
        """
        with self._pull.change() as tables:
            tables.setdefault("state", {})[STATE_KEY] = {
                "cursor": 0,
                "epoch": server_epoch,
                "journal": [],
            }
            tables["unreadable"] = {}  # pulled again from 0: what is still bad comes back

    def _write_households(self, households: list[dict[str, Any]]) -> None:
        by_team: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for data in households:
            by_team[data["team_id"]].append(data)
        for team_id, rows in by_team.items():
            with self._team(team_id).change() as tables:
                table = tables.setdefault("households", {})
                for data in rows:
                    table[data["id"]] = data
            for data in rows:
                self._forget_moved(data["id"], team_id)

    def _forget_moved(self, household_id: str, team_id: str) -> None:
        """A household that moved to another team leaves its old team's file."""
        old, new = self._team_of.get(household_id), _file_name(team_id)
        if old is not None and old != new:
            with self._teams[old].change() as tables:
                tables.setdefault("households", {}).pop(household_id, None)
        self._team_of[household_id] = new

    def _team(self, team_id: str) -> Partition:
        """The file of a team; ids unsafe in a file name share a file (rows keep their team)."""
        name = _file_name(team_id)
        if name not in self._teams:
            self._teams[name] = Partition(self._teams_dir / f"{name}.json")
        return self._teams[name]

    def households(self, team_id: str | None = None) -> list[Household]:
        names = [_file_name(team_id)] if team_id is not None else sorted(self._teams)
        found: list[Household] = []
        for name in names:
            if name in self._teams:
                rows = self._teams[name].rows("households").values()
                found.extend(Household.model_validate(row) for row in rows)
        found = [h for h in found if team_id is None or h.team_id == team_id]
        return sorted(found, key=lambda h: (h.team_id, h.building, h.unit, h.room, h.id))

    def household(self, household_id: str) -> Household | None:
        name = self._team_of.get(household_id)
        row = self._teams[name].get("households", household_id) if name else None
        return Household.model_validate(row) if row is not None else None

    def assignments(self, status: AssignmentStatus | None = None) -> list[Assignment]:
        rows = self._pull.rows("assignments").values()
        found = [Assignment.model_validate(row) for row in rows]
        if status is not None:
            found = [a for a in found if a.status is status]
        return sorted(found, key=lambda a: (a.due, a.id))

    def reviews_for(self, visit_id: str) -> Review | None:
        row = self._pull.get("reviews", visit_id)
        return Review.model_validate(row) if row is not None else None

    def quota_snapshot(self) -> dict[str, Any] | None:
        snapshot = self._pull.get("quota", "snapshot")
        return copy.deepcopy(snapshot) if snapshot is not None else None

    def forget_reviews(self, visit_ids: set[str]) -> None:
        """Drop the reviews of pruned visits so ``pull.json`` does not grow for ever."""
        if visit_ids & self._pull.keys("reviews"):
            with self._pull.change() as tables:
                for visit_id in visit_ids:
                    tables.setdefault("reviews", {}).pop(visit_id, None)

    def close(self) -> None:
        self._pull.close()
        for part in self._teams.values():
            part.close()


def _file_name(team_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in team_id)


def _sorted_out(
    changes: list[Change],
) -> tuple[list[tuple[ChangeType, dict[str, Any]]], dict[str, dict[str, Any]]]:
    """The page's changes validated, and those that failed keyed by seq with their reason."""
    readable: list[tuple[ChangeType, dict[str, Any]]] = []
    unreadable: dict[str, dict[str, Any]] = {}
    for change in changes:
        try:
            readable.append((change.type, _parsed(change)))
        except ValidationError as error:
            unreadable[str(change.seq)] = {
                "seq": change.seq,
                "type": change.type.value,
                "reason": describe_validation_error(error),
                "data": change.data,
            }
    return readable, unreadable


def _parsed(change: Change) -> dict[str, Any]:
    """Validate a change with the shared model before any write (``_sorted_out`` sets aside
    what fails)."""
    if change.type is ChangeType.QUOTA:
        return dict(change.data)
    models: dict[ChangeType, type[Household] | type[Assignment] | type[Review]] = {
        ChangeType.HOUSEHOLD: Household,
        ChangeType.ASSIGNMENT: Assignment,
        ChangeType.REVIEW: Review,
    }
    return models[change.type].model_validate(change.data).model_dump(mode="json")


def _apply_change(tables: Tables, kind: ChangeType, data: dict[str, Any]) -> None:
    if kind is ChangeType.ASSIGNMENT:
        tables.setdefault("assignments", {})[data["id"]] = data
    elif kind is ChangeType.REVIEW:
        tables.setdefault("reviews", {})[data["visit_id"]] = data
    elif kind is ChangeType.QUOTA:
        tables.setdefault("quota", {})["snapshot"] = data
