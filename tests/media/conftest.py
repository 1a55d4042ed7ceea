"""One real server per module for the blob tests (SQLite, and PostgreSQL where configured):
starting `huifang serve` takes seconds, and every test makes its own staff and blobs.

The module-scoped fixtures are the sync tests' own, imported rather than copied."""

from tests.sync.conftest import module_db_url, server

__all__ = ["module_db_url", "server"]
