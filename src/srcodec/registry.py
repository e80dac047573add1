"""A small generic registry shared by base codecs and upscalers.

Entries are listed explicitly (no folder scans, no import side effects) and each
implementation is imported on first use, so `avif + bicubic` never pulls in torch.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar

from srcodec.errors import UnsupportedError, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    name: str  # API/CLI name
    wire_id: int  # from format/ids.py; fixed forever once released
    load: Callable[[], T]  # lazy import of the implementation
    requires: tuple[str, ...] = ()  # importable modules this entry needs
    summary: str = ""
    learned: bool = False  # a trained model: its output is a guess (provenance, spec §10)
    _cache: dict[str, T] = field(default_factory=dict, compare=False, repr=False)

    def missing(self) -> str | None:
        """None when usable here, else a reason string (like Pillow's features)."""
        for module in self.requires:
            if importlib.util.find_spec(module) is None:
                return f"needs the Python package {module!r}"
        return None

    def get(self) -> T:
        if "impl" not in self._cache:
            self._cache["impl"] = self.load()
        return self._cache["impl"]


class Registry(Generic[T]):
    def __init__(self, kind: str, entries: list[Entry[T]]) -> None:
        self.kind = kind
        self._by_name: dict[str, Entry[T]] = {}
        self._by_id: dict[int, Entry[T]] = {}
        for entry in entries:
            if entry.name in self._by_name or entry.wire_id in self._by_id:
                msg = f"duplicate {kind} {entry.name!r} / id {entry.wire_id}"
                raise ValueError(msg)
            self._by_name[entry.name] = entry
            self._by_id[entry.wire_id] = entry

    def __iter__(self) -> Iterator[Entry[T]]:
        return iter(self._by_name.values())

    def names(self) -> list[str]:
        return list(self._by_name)

    def entry(self, name: str) -> Entry[T]:
        try:
            return self._by_name[name]
        except KeyError:
            msg = f"unknown {self.kind} {name!r}; known: {', '.join(self._by_name)}"
            raise UsageError(msg) from None

    def by_wire_id(self, wire_id: int) -> Entry[T]:
        try:
            return self._by_id[wire_id]
        except KeyError:
            known = ", ".join(f"{e.wire_id}={e.name}" for e in self)
            msg = f"{self.kind} id {wire_id} is unknown to this decoder (knows {known})"
            raise UnsupportedError(msg) from None
