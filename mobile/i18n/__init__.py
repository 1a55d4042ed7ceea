"""Every string the app shows comes from a catalog here (zh-CN first, en complete).

Catalogs are flat JSON files ``{key: text}``; ``{name}`` placeholders are filled by
``str.format``. A missing key shows the key itself so a gap is visible, never a crash.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

CATALOG_DIR = Path(__file__).parent
DEFAULT_LANGUAGE = "zh-CN"
LANGUAGES = ("zh-CN", "en")


@cache
def load_catalog(language: str) -> dict[str, str]:
    """The catalog for one language, read once per process."""
    path = CATALOG_DIR / f"{language}.json"
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


class Translator:
    """Looks up keys in the current language; views call it as ``t("login.title")``."""

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        self.language = language if language in LANGUAGES else DEFAULT_LANGUAGE

    def __call__(self, key: str, **values: Any) -> str:
        text = load_catalog(self.language).get(key, key)
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in load_catalog(self.language)
