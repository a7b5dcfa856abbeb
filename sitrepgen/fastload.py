"""A fast way to the same values the round-trip loader gives, for the files where it is sure to.

Every build reads every report again from its YAML (the cache may not stand in for it: see
cache.py). ruamel's round-trip loader is pure Python, about 18 ms for the seed report, and is
needed only for positions; ruamel's C-based safe loader (libyaml, from ``ruamel.yaml.clibz``)
gives the values in about 2 ms. It is used only where it cannot differ from the round-trip path:

- one document, no ``%`` directive, no tag, anchor, alias or merge key (checked on the C
  parser's events, which say exactly where each appears);
- no tab, carriage return, NEL, line or paragraph separator or byte-order mark in the text
  (where YAML 1.1 and 1.2 readers, or the two parsers, treat line breaks and indentation apart);
- values of the plain kinds a report uses (mapping with text keys, list, text, whole and finite
  numbers, true/false, null, dates), each passing the same checks as the round-trip converter,
  well inside the depth and size limits.

Anything else returns None and goes the round-trip way, which reports every problem at its
line; so does a file when the C extension is not installed. The round-trip tree is built later,
only if a diagnostic needs a position (``Document.position``).
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from typing import Any

_SUSPECT = ("\t", "\r", "\x85", "\u2028", "\u2029", "\ufeff")
_UNSURE = object()


def load(text: str, *, max_int: int, max_depth: int, max_nodes: int, unpublishable: Any) -> Any | None:
    """The plain values of ``text``, or None when only the round-trip loader may judge it."""
    if any(char in text for char in _SUSPECT):
        return None
    try:
        from ruamel.yaml.cyaml import CSafeLoader
    except ImportError:  # no C extension here: every file goes the round-trip way
        return None
    if not _plain_events(CSafeLoader, text):
        return None
    loader = CSafeLoader(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = loader.get_single_data()
    except Exception:  # noqa: BLE001 - any problem at all: the round-trip loader reports it
        return None
    finally:
        loader.dispose()
    return data if plain(data, max_int=max_int, max_depth=max_depth, max_nodes=max_nodes, unpublishable=unpublishable) else None


def plain(data: Any, *, max_int: int, max_depth: int, max_nodes: int, unpublishable: Any) -> bool:
    """Whether ``data`` (values from elsewhere: the report cache) is a mapping of the plain kinds
    and sizes ``load`` itself gives."""
    return isinstance(data, dict) and _Checker(max_int, max_depth // 2, max_nodes // 2, unpublishable).ok(data, 0)


def _plain_events(loader_class: Any, text: str) -> bool:
    """Whether the C parser's events show one document without directives, tags, anchors,
    aliases or merge keys."""
    loader = loader_class(text)
    documents = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            kind = type(event).__name__
            if kind == "AliasEvent" or getattr(event, "anchor", None) is not None or getattr(event, "tag", None) is not None:
                return False
            if kind == "DocumentStartEvent":
                documents += 1
                if documents > 1 or getattr(event, "version", None) or getattr(event, "tags", None):
                    return False
            if kind == "ScalarEvent" and event.value == "<<":
                return False
    except Exception:  # noqa: BLE001 - a syntax error: the round-trip loader reports it at its line
        return False
    finally:
        loader.dispose()
    return documents == 1


class _Checker:
    """The round-trip converter's checks, on plain values: any doubt means 'not sure'."""

    def __init__(self, max_int: int, max_depth: int, max_nodes: int, unpublishable: Any) -> None:
        self.max_int, self.max_depth, self.max_nodes, self.bad = max_int, max_depth, max_nodes, unpublishable
        self.nodes = 0

    def ok(self, value: Any, depth: int) -> bool:
        self.nodes += 1
        if self.nodes > self.max_nodes or depth > self.max_depth:
            return False
        kind = type(value)
        if kind is dict:
            return all(type(k) is str and not self.bad.search(k) and self.ok(v, depth + 1) for k, v in value.items())
        if kind is list:
            return all(self.ok(item, depth + 1) for item in value)
        if kind is str:
            return not self.bad.search(value)
        if kind is int:
            return abs(value) <= self.max_int
        if kind is float:
            return math.isfinite(value)
        return kind in (bool, type(None), dt.date)
