"""The kill test (issue 3): SIGKILL a writer at random moments; nothing that returned is lost.

A child process (forked by ``kill_child``) saves drafts and completes visits in a loop, reporting
each id after the call returned, and is SIGKILLed at a random moment, ``KILLS`` times (200 with
HUIFANG_FULL=1). After each kill the store is opened and must hold every visit whose completion
returned, byte-identical on the wire, each exactly once in the outbox (or in history once
acknowledged), with no partial record and no leftover draft; and its pull cursor must cover
exactly the pages whose data it holds.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sync.store import VisitStore
from sync.store_types import VisitState

KILLS = 200 if os.environ.get("HUIFANG_FULL") == "1" else 25
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Returned:
    """What the child said had returned before it died."""

    done: dict[str, dict[str, Any]] = field(default_factory=dict)
    sent: set[str] = field(default_factory=set)
    cursor: int = 0

    def read(self, output: bytes) -> None:
        for line in output.decode().split("\n")[:-1]:
            word, _, rest = line.partition(" ")
            if word == "done":
                visit_id, _, wire = rest.partition(" ")
                self.done[visit_id] = json.loads(wire)
            elif word == "sent":
                self.sent.update(rest.split())
            elif word == "pulled":
                self.cursor = int(rest)


class Writers:
    """The forking writer process (``kill_child``): one SIGKILLed writer per round."""

    def __init__(self, folder: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.store.kill_child", str(folder)],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def run_until_killed(self, seed: int, rng: random.Random) -> bytes:
        """Start a writer, let it work until it said ``ready`` plus a random while, SIGKILL it;
        return everything it reported."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"run {seed}\n".encode())
        self.process.stdin.flush()
        pid, lines = 0, []
        while not pid or b"ready\n" not in lines:
            line = self.process.stdout.readline()
            assert line, "the writer process died"
            if line.startswith(b"pid "):
                pid = int(line.split()[1])
            else:
                lines.append(line)
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(pid, signal.SIGKILL)
        while (line := self.process.stdout.readline()) != b"reaped\n":
            assert line, "the writer process died"
            lines.append(line)
        return b"".join(lines)

    def close(self) -> None:
        self.process.kill()
        self.process.communicate()


def check_store_after_kill(folder: Path, returned: Returned) -> None:
    """A mark_sent cut by the kill may or may not have moved its visits: both are fine, but
    each visit is then either in the outbox exactly once or in history, never both or neither."""
    with VisitStore.open(folder) as store:
        ids = [str(h.visit.id) for h in store.held_visits()]
        assert len(ids) == len(set(ids)), "a visit is held twice"
        pending_ids = [entry.visit_id for entry in store.pending()]
        assert len(pending_ids) == len(set(pending_ids)), "an outbox entry appears twice"
        for visit_id in set(ids):
            synced = store.visit_state(visit_id) is VisitState.SYNCED
            assert synced != (visit_id in pending_ids), f"{visit_id} lost from the outbox"
            assert store.draft(visit_id) is None, f"completed {visit_id} still has a draft"
        for visit_id, wire in returned.done.items():
            assert store.visit_wire(visit_id) == wire, f"visit {visit_id} lost or changed"
            assert store.draft(visit_id) is None
        for visit_id in returned.sent:
            assert store.visit_state(visit_id) is VisitState.SYNCED
        check_pulled(store, returned)


def check_pulled(store: VisitStore, returned: Returned) -> None:
    """The cursor covers every page that returned, and never runs ahead of its data."""
    cursor = store.pull_state().cursor
    assert cursor >= returned.cursor
    held = {h.id for h in store.households()}
    assert held == {f"h-{c}" for c in range(2, cursor + 1, 2)}
    assert {a.id for a in store.assignments()} == {f"a-{c}" for c in range(2, cursor + 1, 2)}


@pytest.mark.slow
def test_every_returned_save_survives_sigkill(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    rng = random.Random(20261122)
    returned = Returned()
    writers = Writers(folder)
    try:
        for kill in range(KILLS):
            returned.read(writers.run_until_killed(kill + 1, rng))
            check_store_after_kill(folder, returned)
    finally:
        writers.close()
    assert len(returned.done) > KILLS, "the child completed too few visits to mean anything"
    assert returned.sent, "no acknowledgement was ever exercised"
    assert returned.cursor, "no pull page was ever applied"
