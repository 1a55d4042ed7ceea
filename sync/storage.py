"""Crash-safe TinyDB storage and the small partitions the offline store is made of.

TinyDB's stock ``JSONStorage`` truncates and rewrites its file in place: a phone killed mid-write
keeps half a file. ``CrashSafeStorage`` writes a temp file beside the target, fsyncs it,
``os.replace``s it over the target and fsyncs the folder, so a reader sees either the old file or
the new one, never a mix (DESIGN.md "Offline store on the phone").

It also keeps the parsed data in memory between operations: TinyDB re-reads the whole file on every
operation, which costs ~30 ms at 1k visits. Every write still goes through to disk before it
returns; only reads are served from memory. If a write fails the cached data is dropped, so memory
never holds anything the disk does not.

A ``Partition`` is one such file opened as a TinyDB whose documents are keyed by strings (visit ids,
household ids) instead of TinyDB's integer ids, plus ``change()``: one read-modify-write across
several tables of the file, i.e. ONE durable write (TinyDB's own table methods write once per call).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from sync.store_types import StoreCorruptError

Tables = dict[str, dict[str, Any]]
TEMP_SUFFIX = ".tmp"


def fsync_dir(folder: Path) -> None:
    """Make a rename or unlink in ``folder`` durable (the directory entry itself is data)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file_atomically(path: Path, data: bytes) -> None:
    """Temp file, fsync, replace, fsync the folder: after return the bytes survive a power cut."""
    temp = path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")
    write_synced(temp, data)
    os.replace(temp, path)
    fsync_dir(path.parent)


def write_synced(path: Path, data: bytes, mode: int = 0o600, exclusive: bool = False) -> None:
    """All of ``data`` in ``path``, fsynced: the first half of an atomic write (the caller
    renames it into place). ``exclusive`` refuses a path that already exists."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_file_durably(path: Path) -> None:
    """Unlink ``path`` (if present) and make the removal durable."""
    try:
        path.unlink()
    except FileNotFoundError:
        return
    fsync_dir(path.parent)


def remove_stale_temps(folder: Path) -> int:
    """Delete temp files a killed writer left behind; they were never the committed data."""
    removed = 0
    for temp in folder.glob(f".*{TEMP_SUFFIX}"):
        temp.unlink(missing_ok=True)
        removed += 1
    return removed


def encode_tables(data: Tables) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


class CrashSafeStorage(Storage):
    """TinyDB storage: atomic durable writes, parsed data kept in memory between operations."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cache: Tables | None = None

    def read(self) -> Tables | None:
        if self._cache is None:
            self._cache = self._load()
        return self._cache

    def _load(self) -> Tables:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise StoreCorruptError(f"{self.path} is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise StoreCorruptError(f"{self.path} does not hold a JSON object")
        return data

    def write(self, data: Tables) -> None:
        self._cache = None
        write_file_atomically(self.path, encode_tables(data))
        self._cache = data

    def forget(self) -> None:
        """Drop the in-memory copy; the next read parses the file again."""
        self._cache = None

    def close(self) -> None:
        self._cache = None


class KeyedTable(Table):
    """A TinyDB table whose document ids are our own string keys (visit id, household id)."""

    document_id_class = str  # type: ignore[assignment]


class KeyedTinyDB(TinyDB):
    table_class = KeyedTable


class Partition:
    """One small JSON file of the store, read through TinyDB and written with ``change()``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.storage = CrashSafeStorage(path)
        self.db = KeyedTinyDB(storage=lambda: self.storage)

    def table(self, name: str) -> Table:
        """Read access; the query cache is off because ``change()`` writes behind its back."""
        return self.db.table(name, cache_size=0)

    def get(self, table: str, key: str) -> dict[str, Any] | None:
        doc: Document | None = self.table(table).get(doc_id=key)  # type: ignore[call-overload]
        return dict(doc) if doc is not None else None

    def rows(self, table: str) -> dict[str, dict[str, Any]]:
        """Every document of ``table`` by key (a fresh dict; the documents are the cached ones)."""
        return {str(doc.doc_id): doc for doc in self.table(table).all()}

    def has(self, table: str, key: str) -> bool:
        tables = self.storage.read() or {}
        return key in tables.get(table, {})

    def keys(self, table: str) -> set[str]:
        tables = self.storage.read() or {}
        return set(tables.get(table, {}))

    @contextmanager
    def change(self) -> Iterator[Tables]:
        """Yield the file's tables for editing; on normal exit write them in ONE durable write.

        On an exception nothing is written and the in-memory copy is dropped, so half-made edits
        never leak into later reads.
        """
        tables = self.storage.read() or {}
        try:
            yield tables
        except BaseException:
            self.storage.forget()
            raise
        self.storage.write(tables)

    def exists(self) -> bool:
        return self.path.exists()

    def delete(self) -> None:
        self.storage.forget()
        remove_file_durably(self.path)

    def close(self) -> None:
        self.db.close()
