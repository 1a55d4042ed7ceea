"""The kill test (issue 3): SIGKILL a writer at random moments; nothing that returned is lost.

A child process saves drafts and completes visits in a loop, printing each id after the call
returned, and is SIGKILLed at a random moment, ``KILLS`` times (200 with HUIFANG_FULL=1). After each
kill the store is opened and must hold every visit whose completion returned, byte-identical on
the wire, each exactly once in the outbox (or in history once acknowledged), with no partial record
and no leftover draft.
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

    def read(self, output: bytes) -> None:
        for line in output.decode().split("\n")[:-1]:
            word, _, rest = line.partition(" ")
            if word == "done":
                visit_id, _, wire = rest.partition(" ")
                self.done[visit_id] = json.loads(wire)
            elif word == "sent":
                self.sent.update(rest.split())


def run_child_until_killed(folder: Path, seed: int, rng: random.Random) -> bytes:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.store.kill_child", str(folder), str(seed)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None
    assert child.stdout.readline() == b"ready\n"
    time.sleep(rng.uniform(0.0, 0.25))
    child.send_signal(signal.SIGKILL)
    output, _ = child.communicate()
    assert child.returncode == -signal.SIGKILL, "the child stopped by itself"
    return output


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
        for visit_id, wire in returned.done.items():
            assert store.visit_wire(visit_id) == wire, f"visit {visit_id} lost or changed"
            assert store.draft(visit_id) is None
        for visit_id in returned.sent:
            assert store.visit_state(visit_id) is VisitState.SYNCED


@pytest.mark.slow
def test_every_returned_save_survives_sigkill(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    rng = random.Random(20261122)
    returned = Returned()
    for kill in range(KILLS):
        output = run_child_until_killed(folder, seed=kill + 1, rng=rng)
        returned.read(output)
        check_store_after_kill(folder, returned)
    assert len(returned.done) > KILLS, "the child completed too few visits to mean anything"
    assert returned.sent, "no acknowledgement was ever exercised"
