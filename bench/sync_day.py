"""A day's sync over loopback: 40 on-site visits, each with 3 photos (~250 KB) and a signature.

Measured in one run against the real server (`huifang serve`, SQLite, as deployed):

- requests: how many HTTP requests the client needs;
- wire_ratio: bytes on the wire (both directions, every header, counted by a pass-through TCP
  proxy) / payload bytes (blob bytes + the records' canonical JSON). Target ≤ 1.05: no base64,
  no re-uploads;
- time_ratio: sync time / the time a bare FastAPI app (uvicorn, same flags) takes to receive the
  very same requests (recorded from the client) and discard them. Target ≤ 3.

Each round is a new assistant with a new phone, so every blob is new to the server; the ratios
use the median of the rounds, baseline and sync alternating so both see the same machine.

    .venv/bin/python bench/sync_day.py [--rounds N] [--visits N]
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sync.canonical import canonical_json
from sync.client import SyncClient
from sync.client_phases import UPLOAD_CONCURRENCY
from sync.store import VisitStore
from tests.factories import add_household, add_staff, login
from tests.live_server import LiveServer, free_port, start_server
from tests.sync.flaky_proxy import flaky_proxy
from tests.sync.media_visits import PHONE_PHOTO, signed_visit

PHOTOS_PER_VISIT = 3
SLOW_FILE_CREATION_US = 50  # ~3x what a quiet disk of this machine takes


@dataclass
class Recorded:
    method: str
    target: str
    headers: list[tuple[bytes, bytes]]
    content: bytes


@dataclass
class Day:
    phone: VisitStore
    token: str
    payload_bytes: int


def record_day(server: LiveServer, folder: Path, name: str, visits: int, seed: int) -> Day:
    staff_id = add_staff(server.database, name)
    household_id = add_household(server.database, f"h-{name}")
    phone = VisitStore.open(folder / name)
    rng = random.Random(seed)
    payload = 0
    for _ in range(visits):
        made = signed_visit(staff_id, household_id, rng, PHOTOS_PER_VISIT, PHONE_PHOTO)
        for data in made.blobs.values():
            phone.put_media(data)
        phone.complete_visit(made.visit)
        payload += sum(len(data) for data in made.blobs.values()) + len(canonical_json(made.record))
    return Day(phone, login(server.api, name), payload)


@dataclass
class Recording:
    """The requests a sync sent (for the replay), and how long each kind took to answer."""

    requests: list[Recorded] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    _started: dict[int, float] = field(default_factory=dict)

    def on_request(self, request: httpx.Request) -> None:
        target = request.url.raw_path.decode()
        self.requests.append(Recorded(request.method, target, request.headers.raw, request.read()))
        self._started[id(request)] = time.perf_counter()

    def on_response(self, response: httpx.Response) -> None:
        took = time.perf_counter() - self._started.pop(id(response.request))
        kind = f"{response.request.method} {'/'.join(response.request.url.path.split('/')[3:4])}"
        self.latencies[kind].append(took)

    def summary(self) -> str:
        return ", ".join(
            f"{kind} x{len(times)} {statistics.mean(times) * 1000:.1f} ms"
            for kind, times in self.latencies.items()
        )


def timed_sync(server_url: str, day: Day) -> tuple[float, Recording, int]:
    recording = Recording()
    hooks: dict[str, list[Callable[..., Any]]] = {
        "request": [recording.on_request],
        "response": [recording.on_response],
    }
    http = httpx.Client(timeout=120, event_hooks=hooks)
    client = SyncClient(server_url, day.token, day.phone, http=http)
    started = time.perf_counter()
    result = client.sync()
    elapsed = time.perf_counter() - started
    assert result.pushed == len(day.phone.held_visits()) and not day.phone.pending()
    http.close()
    return elapsed, recording, client.wire.requests


def replay(bare_url: str, recorded: list[Recorded]) -> float:
    """The same requests in the same order on one keep-alive pool; blob uploads, which the
    client sends UPLOAD_CONCURRENCY at a time, are sent as many at a time here too."""
    with httpx.Client(timeout=120) as http, ThreadPoolExecutor(UPLOAD_CONCURRENCY) as pool:

        def send(one: Recorded) -> None:
            headers = [(k, v) for k, v in one.headers if k.lower() != b"host"]
            http.request(one.method, bare_url + one.target, headers=headers, content=one.content)

        started = time.perf_counter()
        for is_upload, group in itertools.groupby(recorded, key=is_blob_upload):
            if is_upload:
                list(pool.map(send, group))
            else:
                for one in group:
                    send(one)
        return time.perf_counter() - started


def is_blob_upload(one: Recorded) -> bool:
    return one.method == "PUT" and "/blobs/" in one.target


def start_bare_receiver() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "bench.bare_receiver:app", "--port", str(port)]
    command += ["--host", "127.0.0.1", "--log-level", "info"]  # as `huifang serve` runs it
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(
        command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(url + "/ready", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("bare receiver did not start")


def wire_bytes(server: LiveServer, day: Day) -> int:
    """Every byte both ways through a pass-through proxy: headers, bodies, all of it."""
    with flaky_proxy(server.port) as proxy:
        SyncClient(proxy.url, day.token, day.phone).sync()
        return proxy.tally.bytes_up + proxy.tally.bytes_down


def file_creation_us(folder: Path, count: int = 200) -> float:
    """Microseconds to create one empty file in the folder the server will keep its blobs under.

    Printed because it moves this bench more than most code changes do. On this kind of machine
    the disk is ext4 without a journal, and such an ext4 skips every inode freed in the last
    minute (up to six while the inode table is unwritten) when it allocates one: creating a file
    takes ~15 us on a quiet disk and 0.3-1.3 ms after many deletions near where it is created (a
    previous bench's clean-up of /tmp). The server creates a file per blob; the bare receiver
    creates none. The probe files are left for the run's own clean-up: deleting them now would
    slow the very run being measured.
    """
    probe = folder / "file-creation-probe"
    probe.mkdir()
    started = time.perf_counter()
    for n in range(count):
        (probe / str(n)).touch(exist_ok=False)
    return (time.perf_counter() - started) / count * 1e6


def print_file_creation(folder: Path) -> None:
    cost = file_creation_us(folder)
    slow = cost > SLOW_FILE_CREATION_US
    note = " (slow: many files were deleted near here in the last minutes; ratios read high)"
    print(f"disk: creating a file takes {cost:.0f} us{note if slow else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--visits", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print_file_creation(folder)
        server = start_server(
            f"sqlite:///{folder / 'server' / 'huifang.sqlite3'}", folder / "server"
        )
        bare, bare_url = start_bare_receiver()
        try:
            run(server, bare_url, folder, args.rounds, args.visits)
        finally:
            server.stop()
            bare.terminate()
            bare.wait()


def run(server: LiveServer, bare_url: str, folder: Path, rounds: int, visits: int) -> None:
    wire_day = record_day(server, folder, "wire", visits, seed=1)
    wire = wire_bytes(server, wire_day)
    wire_ratio = wire / wire_day.payload_bytes
    print(f"payload {wire_day.payload_bytes / 1e6:.2f} MB, wire {wire / 1e6:.2f} MB")
    sync_times, bare_times, requests = [], [], 0
    for n in range(rounds):
        day = record_day(server, folder, f"day{n}", visits, seed=100 + n)
        elapsed, recording, requests = timed_sync(server.url, day)
        bare_times.append(replay(bare_url, recording.requests))
        sync_times.append(elapsed)
        print(f"round {n}: sync {elapsed:.2f} s, bare receiver {bare_times[-1]:.2f} s")
        print(
            f"  answered in (mean, uploads {UPLOAD_CONCURRENCY} at a time): {recording.summary()}"
        )
    time_ratio = statistics.median(sync_times) / statistics.median(bare_times)
    print(f"sync_day: requests={requests} wire_ratio={wire_ratio:.3f} time_ratio={time_ratio:.2f}")


if __name__ == "__main__":
    main()
