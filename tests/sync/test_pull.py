"""``GET /sync/pull`` against the real server: the caller's changes, in commit order, each once."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

from server.services.changes import record_change
from sync.models import Method
from sync.protocol import ChangeType
from tests.live_server import LiveServer
from tests.sync.conftest import FULL, Assistant, new_assistant

WRITERS = 8
CHANGES_PER_WRITER = 40 if FULL else 15


def household_change(server: LiveServer, team_id: str, household_id: str, room: str) -> int:
    data = {
        "id": household_id,
        "team_id": team_id,
        "building": "5栋",
        "room": room,
        "owner_name": "李业主",
    }
    with server.database.write() as session:
        return record_change(session, ChangeType.HOUSEHOLD, household_id, data, team_id=team_id)


def pull_all(assistant: Assistant, cursor: int = 0, limit: int = 50) -> list[dict[str, Any]]:
    """Every change after ``cursor``, quota snapshots left out."""
    changes: list[dict[str, Any]] = []
    while True:
        page = assistant.get("/sync/pull", cursor=cursor, limit=limit).json()
        changes += [c for c in page["changes"] if c["type"] != "quota"]
        cursor = page["cursor"]
        if not page["more"]:
            return changes


def test_cursor_that_is_not_a_sequence_number_is_refused(assistant: Assistant) -> None:
    for cursor in ("-1", "abc", "1.5", "²", ""):
        response = assistant.get("/sync/pull", cursor=cursor)
        assert response.status_code == 400, cursor
        assert response.json()["error"]["code"] == "bad_cursor"


def test_page_size_that_is_not_a_number_is_refused_and_zero_means_one(
    assistant: Assistant,
) -> None:
    assert assistant.get("/sync/pull", cursor=0, limit="ten").json()["error"]["code"] == "invalid"
    for n in range(2):
        household_change(assistant.server, assistant.team_id, f"h-z{assistant.username}-{n}", "1")
    page = assistant.get("/sync/pull", cursor=0, limit=0).json()
    assert (len(page["changes"]), page["more"]) == (1, True)


def test_household_change_reaches_its_team_and_nobody_else(server: LiveServer) -> None:
    wang, outsider = new_assistant(server), new_assistant(server)
    seq = household_change(server, wang.team_id, "h-new-1", "0101")
    mine = pull_all(wang)
    assert [(c["seq"], c["data"]["room"]) for c in mine if c["type"] == "household"] == [
        (seq, "0101")
    ]
    assert all(c["data"].get("id") != "h-new-1" for c in pull_all(outsider))


def test_caller_with_nothing_new_gets_the_current_position_as_cursor(server: LiveServer) -> None:
    wang, other = new_assistant(server), new_assistant(server)
    seq = household_change(server, other.team_id, "h-other-1", "0202")
    page = wang.get("/sync/pull", cursor=0).json()
    assert page["cursor"] >= seq
    assert page["more"] is False
    assert [c["type"] for c in page["changes"]] == ["quota"]


def test_small_pages_say_there_is_more_and_continue_where_they_stopped(
    assistant: Assistant,
) -> None:
    start = assistant.get("/sync/pull", cursor=0).json()["cursor"]
    seqs = [household_change(assistant.server, assistant.team_id, f"h-p{n}", "1") for n in range(5)]
    first = assistant.get("/sync/pull", cursor=start, limit=2).json()
    assert ([c["seq"] for c in first["changes"]], first["more"]) == (seqs[:2], True)
    assert first["cursor"] == seqs[1]
    assert [c["seq"] for c in pull_all(assistant, first["cursor"], limit=2)] == seqs[2:]


def test_last_page_carries_the_callers_quota_snapshot(assistant: Assistant) -> None:
    page = assistant.get("/sync/pull", cursor=0).json()
    [quota] = [c for c in page["changes"] if c["type"] == "quota"]
    assert {"as_of", "rows"} <= set(quota["data"])


def write_changes(server: LiveServer, team_id: str, writer: int, seed: int) -> None:
    """One writer: each change in its own transaction, which lingers a little before commit so
    transactions overlap."""
    rng = random.Random(seed)
    for n in range(CHANGES_PER_WRITER):
        with server.database.write() as session:
            data = {
                "id": f"h-w{writer}-{n}",
                "team_id": team_id,
                "building": "1栋",
                "room": str(n),
                "owner_name": "赵",
            }
            record_change(session, ChangeType.HOUSEHOLD, data["id"], data, team_id=team_id)
            time.sleep(rng.random() * 0.004)


def test_eight_concurrent_writers_and_a_paging_reader_see_every_change_exactly_once(
    assistant: Assistant,
) -> None:
    cursor = assistant.get("/sync/pull", cursor=0).json()["cursor"]
    writers = [
        threading.Thread(target=write_changes, args=(assistant.server, assistant.team_id, w, w))
        for w in range(WRITERS)
    ]
    for thread in writers:
        thread.start()
    pages: list[dict[str, Any]] = []
    while any(thread.is_alive() for thread in writers):
        page = assistant.get("/sync/pull", cursor=cursor, limit=3).json()
        pages += [c for c in page["changes"] if c["type"] == "household"]
        cursor = page["cursor"]
    for thread in writers:
        thread.join()
    pages += pull_all(assistant, cursor, limit=3)
    seen = [c["data"]["id"] for c in pages]
    expected = {f"h-w{w}-{n}" for w in range(WRITERS) for n in range(CHANGES_PER_WRITER)}
    assert len(seen) == len(expected)
    assert set(seen) == expected
    seqs = [c["seq"] for c in pages]
    assert seqs == sorted(set(seqs))


def test_pushed_visits_reach_the_pull_as_one_quota_snapshot_not_one_each(
    assistant: Assistant,
) -> None:
    """The push no longer writes a snapshot per visit (PROTOCOL rule 14): 5 visits pushed make no
    quota changes in the feed, and the pull ends with one snapshot, computed as of the pull."""
    start = assistant.get("/sync/pull", cursor=0).json()["cursor"]
    made = [assistant.visit(method=Method.PHONE) for _ in range(5)]
    assert [r["status"] for r in assistant.push(*(m.record for m in made))] == ["applied"] * 5
    pages, cursor = [], start
    while not pages or pages[-1]["more"]:
        pages.append(assistant.get("/sync/pull", cursor=cursor, limit=2).json())
        cursor = pages[-1]["cursor"]
    quota_pages = [
        n for n, page in enumerate(pages) for c in page["changes"] if c["type"] == "quota"
    ]
    assert quota_pages == [len(pages) - 1], "one snapshot, on the last page only"
    [snapshot] = [c for c in pages[-1]["changes"] if c["type"] == "quota"]
    assert snapshot["data"]["rows"], "the assistant's own quota rows"
