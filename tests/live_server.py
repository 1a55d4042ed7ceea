"""Starts `huifang serve` as a real process on a free port, and can kill and restart it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from server.db.session import Database
from server.settings import normalise_db_url

START_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    db_url: str
    data_dir: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    code_dir: Path | None = None
    """Where ``server`` is imported from; None: this checkout (bench/sync_ab.py runs another)."""
    _database: Database | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    @property
    def database(self) -> Database:
        """The same database the server uses, for seeding and checking from a test."""
        if self._database is None:
            self._database = Database(normalise_db_url(self.db_url))
        return self._database

    def start(self) -> None:
        command = [sys.executable, "-m", "server.cli", "serve", "--db", self.db_url]
        command += ["--data", str(self.data_dir), "--port", str(self.port)]
        log = open(self.data_dir / "server.log", "ab")  # noqa: SIM115 - owned by the process
        self.process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, cwd=self.code_dir
        )
        self._wait_until_healthy()

    def _wait_until_healthy(self) -> None:
        assert self.process is not None
        if not wait_for_health(self.api, self.process):
            raise RuntimeError(f"server did not start: {self.log_tail()}")

    def log_tail(self) -> str:
        path = self.data_dir / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers run, as in a power cut."""
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self._database is not None:
            self._database.dispose()
            self._database = None

    def restart(self) -> None:
        self.kill()
        self.start()


def wait_for_health(
    api: str, process: subprocess.Popen[bytes], timeout_s: float = START_TIMEOUT_S
) -> bool:
    """True once ``api``/health answers 200; False if the process exits or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{api}/health", timeout=1).status_code == 200:
                return True
        except httpx.TransportError:
            time.sleep(0.1)
    return False


def start_server(db_url: str, data_dir: Path, code_dir: Path | None = None) -> LiveServer:
    data_dir.mkdir(parents=True, exist_ok=True)
    server = LiveServer(db_url=db_url, data_dir=data_dir, port=free_port(), code_dir=code_dir)
    server.start()
    return server


@contextmanager
def fresh_postgres_database(admin_url: str, prefix: str = "huifang") -> Iterator[str]:
    """A new, empty PostgreSQL database for some tests' server; dropped (even if in use) after."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def backend_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, prefix: str
) -> Iterator[str]:
    """A new database on ``request.param`` ("sqlite" or "postgresql"), for the wider-scoped
    fixtures that share one server between tests; PostgreSQL via ``postgres_admin_url``."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp(prefix) / 'huifang.sqlite3'}"
        return
    admin_url: str = request.getfixturevalue("postgres_admin_url")
    with fresh_postgres_database(admin_url, prefix) as url:
        yield url
