"""The policy a server runs with: read once per file, so every request sees the same rules."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from server.settings import Settings
from sync.policy import Policy, load_policy


def policy_for(settings: Settings) -> Policy:
    """The policy named by ``--policy`` (the shipped defaults without it); raises PolicyError."""
    return _load_cached(settings.policy_file.resolve() if settings.policy_file else None)


@lru_cache(maxsize=8)
def _load_cached(path: Path | None) -> Policy:
    return load_policy(path)
