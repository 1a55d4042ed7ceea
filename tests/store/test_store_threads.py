"""The app's UI thread and its sync thread share one store: their calls never interleave."""

from __future__ import annotations

import threading

from sync.store import VisitStore
from sync.store_types import VisitState
from tests.store.conftest import Reopen
from tests.store.records import phone_visit


def test_saving_while_the_sync_thread_acknowledges_loses_nothing(
    store: VisitStore, reopen: Reopen
) -> None:
    visits = [phone_visit(n) for n in range(60)]
    errors: list[BaseException] = []
    saved = threading.Event()

    def ui_thread() -> None:
        try:
            for n, visit in enumerate(visits):
                store.save_draft(f"draft-{n}", {"needs": "x" * n})
                store.complete_visit(visit)
        except BaseException as exc:  # reported below, a thread cannot fail the test itself
            errors.append(exc)
        saved.set()

    def sync_thread() -> None:
        try:
            while not saved.is_set() or store.pending():
                store.mark_sent([entry.visit_id for entry in store.pending(limit=7)])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ui_thread), threading.Thread(target=sync_thread)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    again = reopen(store)
    assert {again.visit_state(str(v.id)) for v in visits} == {VisitState.SYNCED}
    assert len(again.drafts()) == 60
