"""Screens without a renderer (DESIGN.md test layer 2): a real ``flet`` Session on a fake
connection. Every outgoing message is msgpack-encoded exactly as the web transport does, so page
diffs are really computed; tests find controls by ``key`` and fire events by name."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import flet as ft
import msgpack
from flet.controls.base_control import BaseControl
from flet.messaging.connection import Connection
from flet.messaging.protocol import Message, configure_encode_object_for_msgpack
from flet.messaging.session import Session
from flet.pubsub.pubsub_hub import PubSubHub

from mobile.app import Shell
from mobile.state import AppState


class RecordingConnection(Connection):
    """Keeps every message the session would send to Flutter, encoded."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.executor = ThreadPoolExecutor(max_workers=2)
        self.pubsubhub = PubSubHub(loop=loop, executor=self.executor)
        self.sent: list[bytes] = []

    def send_message(self, message: Message) -> None:
        encoder = configure_encode_object_for_msgpack(BaseControl)
        self.sent.append(msgpack.packb([message.action, message.body], default=encoder))


class ScreenHarness:
    """Runs the app's shell on a real Session; ``click``/``pan``/``type`` fire real events."""

    def __init__(self, state: AppState) -> None:
        self.loop = asyncio.new_event_loop()
        self.connection = RecordingConnection(self.loop)
        self.session = Session(self.connection)
        self.page = self.session.page
        self.session.get_page_patch()
        self.shell = Shell(self.page, state, background=False)
        self.shell.start()

    def close(self) -> None:
        self.connection.executor.shutdown(wait=False)
        self.loop.close()

    def find(self, key: str) -> Any:
        found = [c for c in walk(self.page) if _key_of(c) == key]
        if not found:
            raise LookupError(f"no control with key {key!r} on screen {self.shell.route}")
        return found[0]

    def has(self, key: str) -> bool:
        return any(_key_of(c) == key for c in walk(self.page))

    def all_keys(self) -> list[str]:
        return [str(_key_of(c)) for c in walk(self.page) if _key_of(c) is not None]

    def texts(self) -> list[str]:
        return [c.value for c in walk(self.page) if isinstance(c, ft.Text) and c.value]

    def fire(self, key: str, event: str, data: Any = None) -> None:
        control = self.find(key)
        self.loop.run_until_complete(self.session.dispatch_event(control._i, event, data))

    def click(self, key: str) -> None:
        self.fire(key, "click")

    def type(self, key: str, text: str) -> None:
        control = self.find(key)
        control.value = text
        self.fire(key, "change", text)

    def drag(self, key: str, points: list[tuple[float, float]]) -> None:
        """A finger drag on a GestureDetector: pan start, updates, pan end."""
        first, *rest = points
        self.fire(key, "pan_start", {"k": "touch", "l": _xy(first), "g": _xy(first)})
        for point in rest:
            self.fire(key, "pan_update", {"l": _xy(point), "g": _xy(point)})
        last = _xy(points[-1])
        self.fire(key, "pan_end", {"l": last, "g": last, "v": {"x": 0, "y": 0}})


def _xy(point: tuple[float, float]) -> dict[str, float]:
    return {"x": point[0], "y": point[1]}


def _key_of(control: Any) -> Any:
    key = getattr(control, "key", None)
    return getattr(key, "value", key)


def walk(root: Any) -> Iterator[Any]:
    """Every control reachable from ``root`` (children, content, bars, nested lists)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, BaseControl):
            yield node
            stack.extend(_children(node))
        elif isinstance(node, list | tuple):
            stack.extend(node)


def _children(control: BaseControl) -> list[Any]:
    names = ("controls", "content", "bottom_appbar", "title", "subtitle", "leading", "trailing")
    names += ("_dialogs",)
    return [getattr(control, name) for name in names if getattr(control, name, None) is not None]
