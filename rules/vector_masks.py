"""Bit-packed masks and index subsets: how node outcomes over many subjects are held."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from rules.catalog import FactType
from rules.columns import Column
from rules.language import Group, Node

Pair = tuple[np.ndarray, np.ndarray]  # (pass, unknown): packed bits, or booleans on a subset


def pack(mask: np.ndarray) -> np.ndarray:
    """Pack booleans into bits, subject i at bit i % 8 of byte i // 8."""
    return np.packbits(mask, bitorder="little")


def unpack_indices(packed: np.ndarray, size: int) -> np.ndarray:
    """Return the indices of the set bits, ascending; cheap when few bytes are non-zero."""
    # nonzero() is several times faster on booleans than on uint8: unpacked bits are 0/1, so
    # viewing them as bool is exact (packed bytes are not, hence `!= 0` there).
    nonzero = np.flatnonzero(packed != 0)
    if len(nonzero) > 0.45 * len(packed):
        return np.flatnonzero(np.unpackbits(packed, count=size, bitorder="little").view(bool))
    bits = np.unpackbits(packed.take(nonzero), bitorder="little").view(bool)
    where = np.flatnonzero(bits)
    return nonzero.take(where >> 3) * 8 + (where & 7)


def combine(op: str, parts: list[Pair], everyone: Any) -> Pair:
    """Kleene all / any / not over (pass, unknown) pairs, packed or boolean alike."""
    passed, unknown = parts[0]
    if op == "not":
        return ~(passed | unknown) & everyone, unknown
    if op == "all":
        possible = passed | unknown
        for more, maybe in parts[1:]:
            passed = passed & more
            possible = possible & (more | maybe)
        return passed, possible & ~passed
    for more, maybe in parts[1:]:
        passed = passed | more
        unknown = unknown | maybe
    return passed, unknown & ~passed


@dataclass
class Subset:
    """Candidate subjects by index (ascending)."""

    idx: np.ndarray

    @cached_property
    def _where(self) -> tuple[np.ndarray, np.ndarray]:
        return self.idx >> 3, (self.idx & 7).astype(np.uint8)

    def bits(self, packed: np.ndarray) -> np.ndarray:
        """Return the bits of a packed mask at these subjects, as booleans."""
        byte, shift = self._where
        return ((packed.take(byte) >> shift) & 1).view(bool)


def walk(node: Node) -> Iterator[Node]:
    """Yield a node and every node under it."""
    yield node
    if isinstance(node, Group):
        for child in node.children:
            yield from walk(child)


def canonical(value: Any) -> Any:
    """Return a hashable form of a condition value that tells types apart (1 is not True)."""
    if isinstance(value, frozenset | set):
        return ("set", tuple(sorted((canonical(item) for item in value), key=repr)))
    if isinstance(value, tuple | list):
        return ("seq", tuple(canonical(item) for item in value))
    return (type(value).__name__, value)


def narrowed(column: Column) -> Column:
    """Return a column in the narrowest dtype that holds its values (cheaper to compare)."""
    kind, values = column.fact.type, column.values
    dtype: type[np.integer[Any]]
    if kind in (FactType.INTEGER, FactType.MONEY, FactType.DATE, FactType.YEAR) and len(values):
        low, high = int(values.min()), int(values.max())
        dtype = next(t for t in (np.int8, np.int16, np.int32, np.int64) if _fits(t, low, high))
    elif kind is FactType.CODE:
        dtype = (
            np.uint8
            if len(column.dictionary) <= 256
            else np.uint16
            if len(column.dictionary) <= 65536
            else np.int32
        )
    elif kind is FactType.TAGS:
        count = len(column.fact.values)
        dtype = next(
            t for t in (np.uint8, np.uint16, np.uint32, np.uint64) if count <= np.iinfo(t).bits
        )
    else:
        return column
    return Column(column.fact, values.astype(dtype, copy=False), column.present, column.dictionary)


def _fits(dtype: type, low: int, high: int) -> bool:
    info = np.iinfo(dtype)
    return info.min <= low and high <= info.max
