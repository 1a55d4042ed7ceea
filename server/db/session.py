"""Engines and transactions. SQLite gets WAL, synchronous=FULL, a busy timeout and writers that
take the write lock up front (BEGIN IMMEDIATE), so two writers never deadlock on an upgrade from
a read lock; PostgreSQL uses the same code with its own defaults."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

from server.db.models import Meta, SequenceCounter

SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_SYNCHRONOUS = "FULL"
"""What every pooled SQLite connection commits with; an unflushed write restores it after."""
EPOCH_KEY = "server_epoch"


def _configure_sqlite(engine: Engine, begin_statement: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Straight to the driver: every transaction runs this, and SQLAlchemy's own execution
        # path (events, context, result) cost more than the statement.
        connection.connection.dbapi_connection.execute(begin_statement)


def _make_engine(url: str, begin_statement: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine, begin_statement)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


class Database:
    """The server's two ways into the database: short reads and locking writes."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.engine = _make_engine(url, "BEGIN IMMEDIATE")
        self.read_engine = _make_engine(url, "BEGIN") if self.is_sqlite else self.engine
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(self.read_engine, expire_on_commit=False)
        self._sqlite_writer_turn = threading.Lock()
        self._loop_reader: Connection | None = None
        self._loop_reader_turn = threading.Lock()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction that commits on success and rolls back on any exception.

        On SQLite this process's writers queue on a lock before BEGIN IMMEDIATE: a writer that
        meets SQLite's own lock sleeps in its busy handler (1, 2, 5, 10 ... ms) even after the
        lock is free, which made concurrent photo uploads several times slower. Other processes
        (the CLI) still meet SQLite's lock and its busy timeout. A plain Lock, not an RLock:
        FastAPI may enter and leave a dependency's context on different threads.
        """
        with self._writer_turn(), self._writer() as session, session.begin():
            yield session

    @contextmanager
    def write_connection(self, *, flushed: bool = True) -> Iterator[Connection]:
        """``write()`` for a statement or two of Core, without an ORM session's own cost.

        ``flushed=False`` commits without waiting for the disk: the rows are committed (seen by
        every later read, kept if the server is killed) but a power cut may undo them. Both
        databases append commits to one log in order, so the next flushed commit makes them
        durable too. Only for rows whose loss nothing depends on until such a commit, and never
        for a row of the change feed, whose numbers a reader must not see twice.
        """
        with (
            self._writer_turn(),
            self.engine.connect() as connection,
            self._sqlite_synchronous(connection, flushed),
            connection.begin(),
        ):
            if not flushed and not self.is_sqlite:
                connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            yield connection

    @contextmanager
    def _sqlite_synchronous(self, connection: Connection, flushed: bool) -> Iterator[None]:
        """SQLite's ``synchronous`` is set per connection, outside a transaction: NORMAL for an
        unflushed commit (in WAL mode the log is then synced only at checkpoints), and FULL again
        before the connection goes back to the pool, or the connection is discarded."""
        if flushed or not self.is_sqlite:
            yield
            return
        driver = connection.connection.dbapi_connection
        assert driver is not None
        driver.execute("PRAGMA synchronous=NORMAL")
        try:
            yield
        finally:
            try:
                driver.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
            except BaseException:
                connection.invalidate()
                raise

    @contextmanager
    def _writer_turn(self) -> Iterator[None]:
        if not self.is_sqlite:
            yield
            return
        if not self._sqlite_writer_turn.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise TimeoutError("another write held the database for too long")
        try:
            yield
        finally:
            self._sqlite_writer_turn.release()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        with self.read_engine.connect() as connection:
            yield connection

    @contextmanager
    def loop_read(self) -> Iterator[Connection]:
        """A short read for the event loop itself, on one connection kept apart from the pool.

        A loop that waited on an exhausted pool would also hold up the requests that are to give
        their connections back, so the loop asks the pool only once, for a connection it then
        keeps. Meant for SQLite, where an indexed read of a local file is quicker than a hand-off
        to a worker thread.
        """
        with self._loop_reader_turn:
            if self._loop_reader is None:
                self._loop_reader = self.read_engine.connect()
            try:
                with self._loop_reader.begin():
                    yield self._loop_reader
            except BaseException:
                self._close_loop_reader()  # a broken connection is not kept for the next read
                raise

    def _close_loop_reader(self) -> None:
        if self._loop_reader is not None:
            self._loop_reader.close()
            self._loop_reader = None

    def server_epoch(self) -> str:
        with self.read() as session:
            value = session.scalar(select(Meta.value).where(Meta.key == EPOCH_KEY))
        if value is None:
            raise RuntimeError("database not initialised: run migrations first")
        return value

    def dispose(self) -> None:
        with self._loop_reader_turn:
            self._close_loop_reader()
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


def ensure_bootstrap_rows(session: Session) -> None:
    """A fresh database gets its epoch and sequence counters; an existing one keeps them."""
    if session.get(Meta, EPOCH_KEY) is None:
        session.add(Meta(key=EPOCH_KEY, value=uuid.uuid4().hex))
    if session.get(SequenceCounter, "changes") is None:
        session.add(SequenceCounter(name="changes", value=0))
