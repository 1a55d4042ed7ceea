"""A real store in a temporary folder for each test, and a way to reopen it as after a restart."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sync.store import VisitStore

Reopen = Callable[[VisitStore], VisitStore]


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def opened(store_dir: Path) -> Iterator[list[VisitStore]]:
    stores: list[VisitStore] = []
    yield stores
    for one in stores:
        one.close()


@pytest.fixture
def store(store_dir: Path, opened: list[VisitStore]) -> VisitStore:
    opened.append(VisitStore.open(store_dir))
    return opened[-1]


@pytest.fixture
def reopen(store_dir: Path, opened: list[VisitStore]) -> Reopen:
    """Close the store (as when the app is closed) and open the same folder again."""

    def _reopen(current: VisitStore) -> VisitStore:
        current.close()
        opened.append(VisitStore.open(store_dir))
        return opened[-1]

    return _reopen


def pending_file(store: VisitStore) -> Path:
    """Today's pending partition (the file a completion writes)."""
    [path] = sorted((store.folder / "pending").glob("*.json"))
    return path
