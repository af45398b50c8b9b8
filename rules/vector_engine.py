"""Many bound rules over one Columns snapshot: shared conditions, shrinking candidate sets.

A node's outcome over all subjects is a pair of bit-packed masks (pass, unknown); fail is
neither. A top-level all-group is run child by child, most selective first (estimated on a
sample): while many subjects are still possible the state stays a pair of packed masks and each
child is evaluated over everyone (shared between rules, cached while a later rule needs it);
once few remain it becomes their indices, and later children are evaluated on those only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from rules.columns import Column, Columns
from rules.columns_derived import derive_column
from rules.language import Condition, Group, Node
from rules.vector_kernels import Kernel, compile_kernel
from rules.vector_masks import (
    Pair,
    Subset,
    canonical,
    combine,
    narrowed,
    pack,
    unpack_indices,
    walk,
)

DENSE_FRACTION = 0.02  # below this share of subjects still possible, switch to indices
SAMPLE_SIZE = 2048
Key = tuple[Any, ...]


@dataclass(frozen=True)
class Dense:
    """Still possible (not failed) and unknown so far, as packed masks over everyone."""

    possible: np.ndarray
    unknown: np.ndarray


@dataclass(frozen=True)
class Sparse:
    """Still possible subjects by index, and which of them are unknown so far."""

    at: Subset
    unknown: np.ndarray


class Engine:
    """Evaluates bound rules over Columns as of one date, sharing work between the rules."""

    def __init__(
        self,
        columns: Columns,
        as_of: date,
        *,
        dense_fraction: float = DENSE_FRACTION,
        sample_size: int = SAMPLE_SIZE,
    ) -> None:
        self.columns, self.as_of, self.size = columns, as_of, columns.size
        self.dense_fraction = dense_fraction
        self._columns: dict[str, Column] = {}
        self._kernels: dict[Key, Kernel] = {}
        self._keys: dict[int, tuple[Node, Key]] = {}
        self._packed: dict[Key, Pair] = {}
        self._unknown: dict[tuple[str, ...], np.ndarray] = {}
        self._uses: Counter[Key] = Counter()
        self._prefix_uses: Counter[tuple[Key, ...]] = Counter()
        self._prefixes: dict[tuple[Key, ...], Dense | Sparse] = {}
        self._estimates: dict[Key, float] = {}
        self._none = np.zeros((self.size + 7) // 8, np.uint8)
        self._everyone = pack(np.ones(self.size, bool))
        rng = np.random.default_rng(0)
        chosen = (
            rng.choice(self.size, sample_size, replace=False) if self.size > sample_size else None
        )
        self._sample = Subset(np.arange(self.size) if chosen is None else np.sort(chosen))

    def column(self, name: str) -> Column:
        """Return a fact's evaluation column: derived as of the date, narrowed for speed."""
        found = self._columns.get(name)
        if found is None:
            fact = self.columns.facts[name]
            source = (
                derive_column(self.columns, name, self.as_of)
                if fact.derived
                else self.columns.column(name)
            )
            found = self._columns[name] = narrowed(source)
        return found

    def plan(self, rules: Iterable[Node | None]) -> None:
        """Count what the rules share, so results are kept exactly while a later rule needs them."""
        for rule in rules:
            if rule is None:
                continue
            for node in walk(rule):
                self._uses[self.key(node)] += 1
            keys = tuple(self.key(child) for child in self.order(rule))
            for length in range(1, len(keys) + 1):
                self._prefix_uses[keys[:length]] += 1

    def match(self, rule: Node | None) -> tuple[np.ndarray, np.ndarray]:
        """Return the indices of the eligible and of the unknown subjects, ascending."""
        if rule is None:
            return np.arange(self.size), np.zeros(0, np.intp)
        ordered = self.order(rule)
        keys = tuple(self.key(child) for child in ordered)
        state: Dense | Sparse | None = None
        start = 0
        for length in range(len(keys), 0, -1):
            if keys[:length] in self._prefixes:
                state, start = self._prefixes[keys[:length]], length
                break
        for position in range(start, len(ordered)):
            state = self._step(state, ordered[position], last=position == len(ordered) - 1)
            if self._prefix_uses[keys[: position + 1]] > 1:
                self._prefixes[keys[: position + 1]] = state
        assert state is not None
        self._release(rule, keys)
        if isinstance(state, Sparse):
            return state.at.idx[~state.unknown], state.at.idx[state.unknown]
        eligible = unpack_indices(state.possible & ~state.unknown, self.size)
        return eligible, unpack_indices(state.unknown, self.size)

    def order(self, rule: Node) -> list[Node]:
        """Return the children of a top-level all-group, the most selective first."""
        children = rule.children if isinstance(rule, Group) and rule.op == "all" else (rule,)
        return sorted(children, key=lambda child: (self.estimate(child), repr(self.key(child))))

    def estimate(self, node: Node) -> float:
        """Return the share of a sample of subjects that a node does not fail."""
        key = self.key(node)
        if key not in self._estimates:
            passed, unknown = self.subset(node, self._sample)
            self._estimates[key] = float(np.mean(passed | unknown)) if len(passed) else 0.0
        return self._estimates[key]

    def key(self, node: Node) -> Key:
        """Return what identifies a node's outcome: equal keys, equal results (as of the date)."""
        found = self._keys.get(id(node))
        if found is not None and found[0] is node:
            return found[1]
        if isinstance(node, Condition):
            other = None if node.other is None else node.other.name
            key: Key = ("c", node.fact.name, node.op, other, canonical(node.value), node.on)
        else:
            children = [self.key(child) for child in node.children]
            key = (
                "g",
                node.op,
                tuple(sorted(children, key=repr) if node.op != "not" else children),
            )
        self._keys[id(node)] = (node, key)
        return key

    def packed(self, node: Node) -> Pair:
        """Return a node's (pass, unknown) over everyone, packed; kept while still needed."""
        key = self.key(node)
        found = self._packed.get(key)
        if found is not None:
            return found
        if isinstance(node, Condition):
            result = self._condition_everyone(node)
        else:
            parts = [self.packed(child) for child in node.children]
            result = combine(node.op, parts, self._everyone)
        if self._uses[key] > 1:
            self._packed[key] = result
        return result

    def subset(self, node: Node, at: Subset) -> Pair:
        """Return a node's (pass, unknown) as booleans over the subjects of a subset."""
        found = self._packed.get(self.key(node))
        if found is not None:
            return at.bits(found[0]), at.bits(found[1])
        if isinstance(node, Group):
            return combine(node.op, [self.subset(child, at) for child in node.children], True)
        kernel = self._kernel(node)
        columns = [self.column(name) for name in kernel.facts]
        present = columns[0].present.take(at.idx)
        if len(columns) > 1:
            present &= columns[1].present.take(at.idx)
        if kernel.test is None:
            if kernel.op == "has":
                return present, ~present
            passed = present if kernel.op == "exists" else ~present
            return passed, np.zeros(len(at.idx), bool)
        passed = kernel.test(*(column.values.take(at.idx) for column in columns))
        return passed & present, ~present

    def _condition_everyone(self, node: Condition) -> Pair:
        kernel = self._kernel(node)
        columns = [self.column(name) for name in kernel.facts]
        if kernel.test is None:
            present = columns[0].present
            if kernel.op == "has":
                return pack(present), pack(~present)
            return pack(present if kernel.op == "exists" else ~present), self._none
        passed = kernel.test(*(column.values for column in columns))
        unknown = self._unknown.get(kernel.facts)
        present = columns[0].present
        if len(columns) > 1:
            present = present & columns[1].present
        if unknown is None:
            unknown = self._unknown[kernel.facts] = pack(~present)
        return pack(passed & present), unknown

    def _kernel(self, node: Condition) -> Kernel:
        key = self.key(node)
        found = self._kernels.get(key)
        if found is None:
            found = self._kernels[key] = compile_kernel(node, self.as_of, self.column)
        return found

    def _step(self, state: Dense | Sparse | None, child: Node, *, last: bool) -> Dense | Sparse:
        """Narrow the state of an all-group by one more child."""
        if isinstance(state, Sparse):
            passed, unknown = self.subset(child, state.at)
            keep = passed | unknown
            return Sparse(Subset(state.at.idx[keep]), (state.unknown | unknown)[keep])
        passed, unknown = self.packed(child)
        if state is None:
            dense = Dense(passed | unknown, unknown)
        else:
            possible = state.possible & (passed | unknown)
            dense = Dense(possible, (state.unknown | unknown) & possible)
        if last or np.bitwise_count(dense.possible).sum() > self.dense_fraction * self.size:
            return dense
        at = Subset(unpack_indices(dense.possible, self.size))
        return Sparse(at, at.bits(dense.unknown))

    def _release(self, rule: Node, keys: tuple[Key, ...]) -> None:
        """Forget what no later rule needs."""
        for node in walk(rule):
            key = self.key(node)
            self._uses[key] -= 1
            if self._uses[key] <= 0:
                self._packed.pop(key, None)
        for length in range(1, len(keys) + 1):
            self._prefix_uses[keys[:length]] -= 1
            if self._prefix_uses[keys[:length]] <= 0:
                self._prefixes.pop(keys[:length], None)
