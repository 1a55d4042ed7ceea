"""Writer of the kill test: saves drafts and completes visits in a loop until it is SIGKILLed.

Run as ``python -m tests.store.kill_child STORE_FOLDER``; it imports once, then for each
``run SEED`` line on stdin forks a writer, prints ``pid <pid>``, waits for it to die (the parent
SIGKILLs it) and prints ``reaped``. Forking keeps the 200 kills of a full run fast: the writer
starts at once instead of importing pydantic every time. The writer itself opens the store and
loops, and after each call has returned it reports with one ``os.write`` of one line (below
PIPE_BUF, so a kill never leaves half a line): ``done <visit id> <wire JSON>`` after
``complete_visit``, ``sent <id> ...`` after ``mark_sent``, ``pulled <cursor>`` after a pull page.
"""

from __future__ import annotations

import json
import os
import random
import select
import sys
from pathlib import Path

from sync.canonical import visit_wire
from sync.protocol import Change, ChangeType
from sync.store import VisitStore
from tests.store.records import on_site_visit, phone_visit


def pull_page(cursor: int) -> list[Change]:
    """Two changes ending at ``cursor``: a household (team by parity) and an assignment."""
    household = {
        "id": f"h-{cursor}",
        "team_id": f"t{cursor % 3}",
        "building": "9栋",
        "room": str(cursor),
        "owner_name": "赵业主",
    }
    assignment = {
        "id": f"a-{cursor}",
        "staff_id": "s-li",
        "household_id": f"h-{cursor}",
        "kind": "relationship",
        "due": "2026-12-01",
    }
    return [
        Change(seq=cursor - 1, type=ChangeType.HOUSEHOLD, data=household),
        Change(seq=cursor, type=ChangeType.ASSIGNMENT, data=assignment),
    ]


def say(*words: object) -> None:
    line = (" ".join(str(word) for word in words) + "\n").encode()
    assert len(line) <= select.PIPE_BUF, "a report must go in one atomic pipe write"
    os.write(sys.stdout.fileno(), line)


def write_until_killed(folder: Path, seed: int) -> None:
    rng = random.Random(seed)
    store = VisitStore.open(folder)
    say("ready")
    n = seed * 10_000
    while True:
        n += 1
        visit = on_site_visit(store, n, photos=rng.randint(0, 3)) if n % 2 else phone_visit(n)
        visit_id = str(visit.id)
        store.save_draft(visit_id, {"household_id": visit.household_id})
        store.save_draft(visit_id, {"household_id": visit.household_id, "needs": visit.needs})
        store.complete_visit(visit)
        say("done", visit_id, json.dumps(visit_wire(visit), ensure_ascii=False))
        if rng.random() < 0.15:
            cursor = store.pull_state().cursor + 2
            store.apply_pull_page(pull_page(cursor), cursor, "epoch-1")
            say("pulled", cursor)
        if rng.random() < 0.25:
            acked = [entry.visit_id for entry in store.pending(limit=rng.randint(1, 8))]
            store.mark_sent(acked)
            say("sent", *acked)


def main() -> None:
    folder = Path(sys.argv[1])
    for command in sys.stdin:
        seed = int(command.split()[1])
        pid = os.fork()
        if pid == 0:
            try:
                write_until_killed(folder, seed)
            finally:
                os._exit(1)
        say("pid", pid)
        os.waitpid(pid, 0)
        say("reaped")


if __name__ == "__main__":
    main()
