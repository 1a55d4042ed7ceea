"""A TCP proxy on 127.0.0.1 between the sync client and the real server that misbehaves like a
stairwell: with a fixed seed it drops connections mid-request, cuts responses after the server
has answered (so the server committed and the phone never heard), and delays chunks. It can also
be told to fail the next requests in a chosen way, for deterministic retry tests.

It runs its own asyncio loop in a background thread; nothing about HTTP is parsed except that a
response starts when the server speaks after the client did.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

CHUNK = 64 * 1024
SERVICE_UNAVAILABLE = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
    b"content-length: 2\r\nconnection: close\r\n\r\n{}"
)


@dataclass
class Faults:
    """Probabilities, rolled with the proxy's seeded generator."""

    drop_request: float = 0.0
    """Per chunk the client sends: close both sides before forwarding it."""
    cut_response: float = 0.0
    """Per response: the server answered (and committed); the client gets nothing."""
    delay: float = 0.0
    """Per chunk either way: wait up to ``max_delay_s`` first."""
    max_delay_s: float = 0.05


@dataclass
class Tally:
    connections: int = 0
    dropped: int = 0
    cut: int = 0
    delayed: int = 0
    refused_503: int = 0
    bytes_up: int = 0
    bytes_down: int = 0


@dataclass
class _Exchange:
    """One connection's state: did the client speak since the server last answered?"""

    awaiting_response: bool = False
    cut_this_response: bool = False


@dataclass
class FlakyProxy:
    target_port: int
    seed: int = 0
    faults: Faults = field(default_factory=Faults)
    tally: Tally = field(default_factory=Tally)
    port: int = 0
    _scripted: deque[str] = field(default_factory=deque)
    _loop: asyncio.AbstractEventLoop | None = None
    _server: asyncio.Server | None = None

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail_next(self, count: int, how: str) -> None:
        """The next ``count`` requests fail: ``"503"``, ``"drop"`` or ``"cut"`` (or ``"pass"``:
        go through untouched, to let a first request by before the failures)."""
        with self._lock:
            self._scripted.extend([how] * count)

    def _scripted_fault(self) -> str | None:
        with self._lock:
            return self._scripted.popleft() if self._scripted else None

    def _roll(self, probability: float) -> bool:
        with self._lock:
            return probability > 0 and self._rng.random() < probability

    def _delay_s(self) -> float:
        with self._lock:
            return self._rng.random() * self.faults.max_delay_s

    # ---- the loop -----------------------------------------------------------------------------

    def start(self) -> None:
        ready = threading.Event()
        thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        thread.start()
        ready.wait(10)

    def _run(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        ready.set()
        self._loop.run_forever()

    def stop(self) -> None:
        if self._loop is None or self._server is None:
            return
        server, loop = self._server, self._loop

        async def _close() -> None:
            server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(_close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)

    # ---- one connection -----------------------------------------------------------------------

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.tally.connections += 1
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_w.close()
            return
        exchange = _Exchange()
        up = asyncio.ensure_future(self._upstream(client_r, client_w, server_w, exchange))
        down = asyncio.ensure_future(self._downstream(server_r, client_w, exchange))
        try:
            await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            pass  # the proxy is stopping
        finally:
            for task in (up, down):
                task.cancel()
            for writer in (client_w, server_w):
                with suppress(Exception):
                    writer.close()

    async def _upstream(
        self,
        reader: asyncio.StreamReader,
        client_w: asyncio.StreamWriter,
        server_w: asyncio.StreamWriter,
        exchange: _Exchange,
    ) -> None:
        with suppress(ConnectionError):
            await self._pump_up(reader, client_w, server_w, exchange)

    async def _pump_up(
        self,
        reader: asyncio.StreamReader,
        client_w: asyncio.StreamWriter,
        server_w: asyncio.StreamWriter,
        exchange: _Exchange,
    ) -> None:
        while data := await reader.read(CHUNK):
            if not exchange.awaiting_response:
                scripted = self._scripted_fault()
                if scripted == "503":
                    self.tally.refused_503 += 1
                    client_w.write(SERVICE_UNAVAILABLE)
                    await client_w.drain()
                    return
                if scripted == "drop":
                    self.tally.dropped += 1
                    return
                exchange.cut_this_response = scripted == "cut"
            if self._roll(self.faults.drop_request):
                self.tally.dropped += 1
                return
            await self._maybe_delay()
            exchange.awaiting_response = True
            self.tally.bytes_up += len(data)
            server_w.write(data)
            await server_w.drain()

    async def _downstream(
        self, reader: asyncio.StreamReader, client_w: asyncio.StreamWriter, exchange: _Exchange
    ) -> None:
        with suppress(ConnectionError):
            await self._pump_down(reader, client_w, exchange)

    async def _pump_down(
        self, reader: asyncio.StreamReader, client_w: asyncio.StreamWriter, exchange: _Exchange
    ) -> None:
        while data := await reader.read(CHUNK):
            if exchange.awaiting_response:
                exchange.awaiting_response = False
                if exchange.cut_this_response or self._roll(self.faults.cut_response):
                    self.tally.cut += 1
                    return
            await self._maybe_delay()
            self.tally.bytes_down += len(data)
            client_w.write(data)
            await client_w.drain()

    async def _maybe_delay(self) -> None:
        if self._roll(self.faults.delay):
            self.tally.delayed += 1
            await asyncio.sleep(self._delay_s())


@contextmanager
def flaky_proxy(
    target_port: int, seed: int = 0, faults: Faults | None = None
) -> Iterator[FlakyProxy]:
    proxy = FlakyProxy(target_port, seed=seed, faults=faults or Faults())
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
