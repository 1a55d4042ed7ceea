"""Group commit for the ``blobs`` rows of concurrent uploads.

A phone sends its photos four at a time, and each upload may answer only once its row is
committed (DESIGN.md: reply after commit). One transaction per row meant four BEGIN/COMMIT
pairs, four fsyncs of the log and four turns on the writer lock, one after another. Here the
first upload to arrive commits every row queued so far in one transaction, then wakes the
uploads whose rows went in with it; any that arrived meanwhile form the next batch. Nothing is
acknowledged before its commit. The commit does not wait for the disk (``insert_blob_rows`` says
why that loses nothing): while it did, every upload queued behind that wait.
"""

from __future__ import annotations

import functools
import threading
import weakref
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite

from server.db.models import BlobRow
from server.db.session import Database


@dataclass
class _Pending:
    row: dict[str, Any]
    done: bool = False
    created: bool = False
    error: BaseException | None = None


@dataclass
class BlobRowWriter:
    """Inserts blob rows, several uploads' worth per transaction when they arrive together."""

    database: Database
    _turn: threading.Condition = field(default_factory=threading.Condition)
    _queue: list[_Pending] = field(default_factory=list)
    _committing: bool = False

    def record(self, row: dict[str, Any]) -> bool:
        """Insert ``row`` unless its sha256 is there; True if this call inserted it.

        Returns only after the transaction holding the row committed; raises what it raised.
        """
        mine = _Pending(row)
        with self._turn:
            self._queue.append(mine)
            while self._committing and not mine.done:
                self._turn.wait()
            if not mine.done:
                self._committing = True
                batch, self._queue = self._queue, []
        if not mine.done:
            self._commit(batch)
        if mine.error is not None:
            raise mine.error
        return mine.created

    def _commit(self, batch: list[_Pending]) -> None:
        failure: BaseException | None = None
        try:
            inserted = insert_blob_rows(self.database, [pending.row for pending in batch])
        except BaseException as error:  # every upload in the batch hears of it
            inserted, failure = set(), error
        with self._turn:
            for pending in batch:
                sha = pending.row["sha256"]
                pending.created, pending.error = sha in inserted, failure
                inserted.discard(sha)  # the same bytes twice in a batch: only the first is new
                pending.done = True
            self._committing = False
            self._turn.notify_all()


def insert_blob_rows(database: Database, rows: list[dict[str, Any]]) -> set[str]:
    """One transaction, not waited on by the disk; the sha256 of every row not there before.

    A blob row may be lost in a power cut (see ``Database.write_connection``): its file was
    fsynced before it and stays, so the phone, which keeps a visit's photos until a push
    acknowledges the visit, is told the blob is missing and uploads it again, and the store
    adopts the file. The push that acknowledges a visit commits flushed, after its blob rows,
    and so makes them durable with it.
    """
    with database.write_connection(flushed=False) as connection:
        statement = _insert_new_blobs(connection.dialect.name)
        return set(connection.execute(statement, rows).scalars())


@functools.cache
def _insert_new_blobs(dialect_name: str) -> Insert:
    """Built once per dialect: constructing the statement cost as much as running it."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(BlobRow).on_conflict_do_nothing(index_elements=["sha256"])
    returning: Insert = statement.returning(BlobRow.sha256)
    return returning


_WRITERS: weakref.WeakKeyDictionary[Database, BlobRowWriter] = weakref.WeakKeyDictionary()
_WRITERS_LOCK = threading.Lock()


def blob_row_writer(database: Database) -> BlobRowWriter:
    """The one writer per database, so every upload to it can join the same batches."""
    with _WRITERS_LOCK:
        writer = _WRITERS.get(database)
        if writer is None:
            writer = _WRITERS[database] = BlobRowWriter(database)
        return writer
