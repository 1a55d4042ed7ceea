"""Device save latency with 1k, 5k and 20k visits held, against the 1k latency of the same run.

For each size the phone's store is filled with that many visits in all: synced history spread over
24 months (written as the store writes it after acknowledgements) plus a handful still pending.
Then, like an assistant's day, it completes signed on-site visits (3 photos each, media already
saved) and every 20 saves acknowledges them (untimed), and times each ``complete_visit`` call,
fsync included. It also times saves after weeks offline (500 unsynced visits), and TinyDB's
stock ``JSONStorage`` (one file, no fsync) inserting into a file of the same size, which is what
the partitioned store avoids.

Targets (issue 3): save latency ≤ 50 ms at 20k, and ≤ 1.5x the latency at 1k.

    .venv/bin/python bench/store.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tinydb import TinyDB

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sync.store
from sync.canonical import visit_wire
from sync.models import Visit
from sync.store import VisitStore
from sync.store_history import History
from sync.store_types import now_iso
from tests.store.records import BASE, on_site_visit, phone_visit

SIZES = (1_000, 5_000, 20_000)
PENDING_HELD = 20
MONTHS = 24
OFFLINE_UNSYNCED = 500


def history_rows(count: int, store: VisitStore) -> dict[str, dict[str, Any]]:
    """``count`` synced visits over the last 24 months, half of them signed on-site visits."""
    rows: dict[str, dict[str, Any]] = {}
    step = timedelta(days=30 * MONTHS) / count
    for n in range(count):
        started = BASE - step * n
        visit: Visit
        if n % 2:
            visit = on_site_visit(store, n % 50, photos=3, started_at=started)
        else:
            visit = phone_visit(n, started_at=started)
        rows[str(visit.id)] = {"wire": visit_wire(visit), "completed_at": now_iso()}
        rows[str(visit.id)]["synced_at"] = now_iso()
    return rows


def fill(folder: Path, held: int) -> None:
    """Write the history the way acknowledgements do, then complete a few pending visits."""
    with VisitStore.open(folder) as store:
        rows = history_rows(held - PENDING_HELD, store)
    History(folder).add(rows)
    with VisitStore.open(folder) as store:
        for n in range(PENDING_HELD):
            store.complete_visit(phone_visit(900_000 + n))


def time_saves(folders: dict[int, Path], saves: int) -> dict[int, list[float]]:
    """Milliseconds per ``complete_visit`` for each store, interleaved save by save so that
    every size sees the same machine state (other processes, disk writeback)."""
    stores = {held: VisitStore.open(folder) for held, folder in folders.items()}
    latencies: dict[int, list[float]] = {held: [] for held in folders}
    try:
        for n in range(saves):
            for held, store in stores.items():
                visit = on_site_visit(store, 500_000 + n, photos=3)
                began = time.perf_counter()
                store.complete_visit(visit)
                latencies[held].append((time.perf_counter() - began) * 1000)
                if n % 20 == 19:
                    store.mark_sent([entry.visit_id for entry in store.pending(limit=20)])
    finally:
        for store in stores.values():
            store.close()
    return latencies


def time_open(folder: Path) -> float:
    """Milliseconds to open a store (it builds the id index of the history)."""
    began = time.perf_counter()
    VisitStore.open(folder).close()
    return (time.perf_counter() - began) * 1000


def time_stock_tinydb(folder: Path, held: int, inserts: int) -> float:
    """Median ms of one insert into a stock TinyDB JSON file holding ``held`` visits."""
    with VisitStore.open(folder / f"scratch-{held}") as store:
        rows = list(history_rows(held, store).values())
    path = folder / f"stock-{held}.json"
    with TinyDB(path) as db:
        db.insert_multiple(rows)
        times = []
        for row in rows[:inserts]:
            began = time.perf_counter()
            db.insert(row)
            times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def clock_set_back(by: timedelta) -> Callable[[], str]:
    return lambda: (datetime.now(UTC) - by).isoformat()


def time_offline_saves(folder: Path, saves: int) -> list[float]:
    """Save latency after weeks without signal: 500 visits completed over the last 20 days wait
    (the store's clock is set back while they are made). Informational; not part of the target.
    """
    real_clock = getattr(sync.store, "now_iso")  # noqa: B009 (the store's clock, swapped below)
    with VisitStore.open(folder) as store:
        try:
            for n in range(OFFLINE_UNSYNCED):
                days_ago = timedelta(days=20 - n * 20 // OFFLINE_UNSYNCED)
                setattr(sync.store, "now_iso", clock_set_back(days_ago))  # noqa: B010
                store.complete_visit(on_site_visit(store, 700_000 + n, photos=3))
        finally:
            setattr(sync.store, "now_iso", real_clock)  # noqa: B010
        latencies = []
        for n in range(saves // 4):
            visit = on_site_visit(store, 800_000 + n, photos=3)
            began = time.perf_counter()
            store.complete_visit(visit)
            latencies.append((time.perf_counter() - began) * 1000)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer saves per size")
    args = parser.parse_args()
    saves = 60 if args.quick else 200
    with tempfile.TemporaryDirectory(prefix="huifang-bench-store-") as tmp:
        folders = {held: Path(tmp) / f"store-{held}" for held in SIZES}
        for held, folder in folders.items():
            fill(folder, held)
        os.sync()
        opens = {held: time_open(folder) for held, folder in folders.items()}
        latencies = time_saves(folders, saves)
        stock = {held: time_stock_tinydb(Path(tmp), held, 3) for held in SIZES}
        offline = time_offline_saves(Path(tmp) / "offline", saves)
    medians = {held: statistics.median(times) for held, times in latencies.items()}
    for held, times in latencies.items():
        p95 = statistics.quantiles(times, n=20)[-1]
        print(
            f"{held:>6} visits held: save median {medians[held]:.2f} ms, p95 {p95:.2f} ms, "
            f"max {max(times):.2f} ms; open {opens[held]:.0f} ms; "
            f"stock TinyDB insert {stock[held]:.1f} ms"
        )
    print(
        f"offline for weeks ({OFFLINE_UNSYNCED} unsynced signed visits waiting): "
        f"save median {statistics.median(offline):.2f} ms, max {max(offline):.2f} ms"
    )
    ratio = medians[20_000] / medians[1_000]
    verdict = "ok" if medians[20_000] <= 50 and ratio <= 1.5 else "MISSED"
    print(
        f"store: save_ms_1k={medians[1_000]:.2f} save_ms_5k={medians[5_000]:.2f} "
        f"save_ms_20k={medians[20_000]:.2f} ratio_20k_vs_1k={ratio:.2f} "
        f"stock_tinydb_ms_20k={stock[20_000]:.0f} target=<=50ms,<=1.5x {verdict}"
    )


if __name__ == "__main__":
    main()
