"""``python -m mobile``: the app as a built phone app starts it (``src/main.py`` calls this)."""

from __future__ import annotations

from mobile.app import run

if __name__ == "__main__":
    run()
