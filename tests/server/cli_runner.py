"""Runs the `huifang` command line as a user would: a separate Python process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ISOLATED_VARIABLES = ("HUIFANG_DB", "HUIFANG_DATA", "HUIFANG_PASSWORD")


def run_huifang(
    *args: str, cwd: Path | None = None, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """`python -m server.cli ARGS` with only the HUIFANG_* variables given here."""
    environment = {k: v for k, v in os.environ.items() if k not in ISOLATED_VARIABLES}
    environment["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
