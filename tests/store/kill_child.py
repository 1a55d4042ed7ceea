"""Child of the kill test: saves drafts and completes visits in a loop until it is SIGKILLed.

Usage: ``python -m tests.store.kill_child STORE_FOLDER SEED``. After each call returns it prints
one line (flushed), so the parent knows what the store must hold:
``done <visit id> <wire JSON>`` after ``complete_visit`` returned, and ``sent <id> ...`` after
``mark_sent`` returned. A line cut by the kill has no newline and is ignored by the parent.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from sync.canonical import visit_wire
from sync.store import VisitStore
from tests.store.records import on_site_visit, phone_visit


def main() -> None:
    folder, seed = Path(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    store = VisitStore.open(folder)
    print("ready", flush=True)
    n = seed * 10_000
    while True:
        n += 1
        visit = on_site_visit(store, n, photos=rng.randint(0, 3)) if n % 2 else phone_visit(n)
        visit_id = str(visit.id)
        store.save_draft(visit_id, {"household_id": visit.household_id})
        store.save_draft(visit_id, {"household_id": visit.household_id, "needs": visit.needs})
        store.complete_visit(visit)
        print("done", visit_id, json.dumps(visit_wire(visit), ensure_ascii=False), flush=True)
        if rng.random() < 0.25:
            acked = [entry.visit_id for entry in store.pending(limit=rng.randint(1, 8))]
            store.mark_sent(acked)
            print("sent", *acked, flush=True)


if __name__ == "__main__":
    main()
