"""Every string the app shows comes from the catalogs: zh-CN and en hold the same keys with the
same placeholders, every key the code asks for exists, and no screen hard-codes text."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

from mobile.i18n import LANGUAGES, load_catalog

MOBILE = Path(__file__).resolve().parents[2] / "mobile"
SOURCES = sorted(p for p in MOBILE.rglob("*.py"))
VIEWS = sorted((MOBILE / "views").glob("*.py"))
LABELLED_CALLS = {"note", "heading", "warning", "Text", "button", "choice", "text_input"}
CJK = re.compile(r"[\u3400-\u9fff]")
ERROR_KEY = re.compile(r"(login|visit|sync|settings|household|media)\.error\.\w+")


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def literal_keys() -> set[str]:
    """Keys passed as a literal to ``t(...)`` / ``ui.t(...)`` or returned as catalog keys."""
    keys: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _called(node) == "t" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    keys.add(first.value)
            if isinstance(node, ast.Constant) and ERROR_KEY.fullmatch(str(node.value)):
                keys.add(str(node.value))
    return keys


def _called(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def test_both_catalogs_have_the_same_keys_and_placeholders() -> None:
    zh, en = (load_catalog(language) for language in LANGUAGES)
    assert set(zh) == set(en)
    for key in zh:
        assert placeholders(zh[key]) == placeholders(en[key]), key
        assert zh[key].strip() and en[key].strip(), key


def test_every_key_the_code_asks_for_is_in_the_catalogs() -> None:
    zh = load_catalog("zh-CN")
    missing = sorted(key for key in literal_keys() if key not in zh)
    assert missing == []


def test_the_default_catalog_is_chinese() -> None:
    assert load_catalog("zh-CN")["login.submit"] == "登录"
    assert load_catalog("zh-CN")["login.username"] == "用户名"


def test_no_screen_hard_codes_text() -> None:
    offenders = []
    for path in VIEWS:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called(node) in LABELLED_CALLS:
                for arg in _label_args(node):
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value:
                        offenders.append(f"{path.name}:{node.lineno} {arg.value!r}")
    assert offenders == []


def _label_args(node: ast.Call) -> list[ast.expr]:
    """The arguments that become visible text (a key is the first argument of button etc.)."""
    name = _called(node)
    skip_first = name in {"button", "choice", "text_input", "warning"}
    args = node.args[1:2] if skip_first else node.args[:1]
    visible = {"label", "content", "value", "hint_text"}
    return [*args, *(kw.value for kw in node.keywords if kw.arg in visible)]


def docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            found.add(id(first.value))
    return found


def test_no_chinese_text_outside_the_catalogs() -> None:
    offenders = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = docstrings(tree)
        for node in ast.walk(tree):
            if _is_text(node) and id(node) not in skip and CJK.search(node.value):  # type: ignore[attr-defined]
                offenders.append(f"{path.relative_to(MOBILE)}:{node.lineno}")
    assert offenders == []
