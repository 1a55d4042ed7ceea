"""`huifang demo`: not built yet; it says so instead of pretending."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser("demo", help="(not built yet)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print("huifang demo is not built yet in this version.", file=sys.stderr)
    return 2
