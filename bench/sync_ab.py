"""Two versions of the server on the same day's sync, side by side: a git revision (``--base``)
against this working tree, round by round in alternating order, each sync's own requests
replayed to one bare receiver, all in one run.

bench/sync_day.py's ratio moves with the machine by more than most single changes do (3.2-3.9
for the same code on the same day), so comparing two of its runs says little; here both versions
meet the same machine at the same moments. ``tree_vs_base`` below 1 means the working tree syncs
faster. An unchanged tree (A/A) lands within a few percent of 1 on a steady machine, but has
come out at 1.09 while the machine's speed was drifting: run an A/A beside any A/B that matters.

    .venv/bin/python bench/sync_ab.py [--base REV] [--rounds N] [--visits N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.sync_day import (
    print_file_creation,
    record_day,
    replay,
    start_bare_receiver,
    timed_sync,
)
from tests.live_server import LiveServer, start_server

ROOT = Path(__file__).resolve().parent.parent


def export_revision(revision: str, into: Path) -> Path:
    """The committed tree of ``revision``, unpacked; the same interpreter and packages run it."""
    archive = subprocess.run(
        ["git", "archive", revision], cwd=ROOT, check=True, capture_output=True
    ).stdout
    into.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def one_round(
    servers: dict[str, LiveServer],
    bare_url: str,
    folder: Path,
    n: int,
    visits: int,
    times: dict[str, list[float]],
) -> None:
    names = list(servers) if n % 2 == 0 else list(reversed(servers))
    for name in names:
        day = record_day(servers[name], folder, f"{name}{n}", visits, seed=100 + n)
        elapsed, recording, _ = timed_sync(servers[name].url, day)
        times[name].append(elapsed)
        times["bare"].append(replay(bare_url, recording.requests))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", default="HEAD", help="git revision to compare against")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--visits", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print_file_creation(folder)
        base_code = export_revision(args.base, folder / "base-code")
        servers = {
            "base": start_server(
                f"sqlite:///{folder / 'base' / 'h.sqlite3'}", folder / "base", code_dir=base_code
            ),
            "tree": start_server(f"sqlite:///{folder / 'tree' / 'h.sqlite3'}", folder / "tree"),
        }
        bare, bare_url = start_bare_receiver()
        times: dict[str, list[float]] = {"base": [], "tree": [], "bare": []}
        try:
            for n in range(args.rounds):
                one_round(servers, bare_url, folder, n, args.visits, times)
        finally:
            for server in servers.values():
                server.stop()
            bare.terminate()
            bare.wait()
    report(args.base, times)


def report(base: str, times: dict[str, list[float]]) -> None:
    median = {name: statistics.median(values) for name, values in times.items()}
    for name, values in times.items():
        print(f"{name}: median {median[name]:.3f} s over {len(values)} syncs")
    print(
        f"sync_ab: base={base} base_ratio={median['base'] / median['bare']:.2f} "
        f"tree_ratio={median['tree'] / median['bare']:.2f} "
        f"tree_vs_base={median['tree'] / median['base']:.3f}"
    )


if __name__ == "__main__":
    main()
