"""The packed form of a subject's matches: fixed-width entries, a digest, and merging.

One entry per item the subject matches or matched (docs/matching.md). An entry is active until
it is marked ended; ended entries are kept as history and left out of the digest.

A stored row is one format byte (FORMAT) and the entries' bytes. Rows written before the byte
existed (format 0: the entries alone, a whole number of entries long) are still read; the
migration 6b2f0a1c9d3e gives them the byte. A new layout takes the next format number, and
unpack() learns to read the old one before anything writes the new.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from rules.eligibility import Eligibility

ENTRY = np.dtype(
    [
        ("item_id", "<i4"),
        ("version_id", "<i4"),
        ("verdict", "i1"),  # 1 eligible, 2 unknown
        ("flags", "u1"),
        ("first_day", "<i4"),  # days since 1970-01-01 when it became eligible; 0: never
        ("changed_day", "<i4"),  # day of the last change (for an ended entry: when it ended)
        ("amount_fen", "<i8"),  # meaningful when flags has AMOUNT_KNOWN
    ]
)
ENDED = 1
AMOUNT_KNOWN = 2
ELIGIBLE, UNKNOWN = Eligibility.ELIGIBLE, Eligibility.UNKNOWN  # the verdicts an entry holds
EMPTY = np.zeros(0, ENTRY)
_RECORD = struct.Struct("<iibBiiq")  # one ENTRY as bytes (same fields, same order, no padding)
FORMAT = 1  # the first byte of every row written now
_HEADER = bytes([FORMAT])
_ITEM_ID = struct.Struct("<i")
_MASK63 = np.uint64(2**63 - 1)


def day_number(day: date) -> int:
    """Return days since 1970-01-01."""
    return day.toordinal() - 719163


def unpack(blob: bytes | None) -> np.ndarray:
    """Return the entries stored in a row (read-only; merging copies before it changes them)."""
    if not blob:
        return EMPTY
    start = _start(blob)
    if len(blob) == start:
        return EMPTY
    return np.frombuffer(blob, ENTRY, offset=start)


def pack(entries: np.ndarray) -> bytes:
    """Return the bytes stored in a row (merge() and merge_one() keep entries sorted by item)."""
    return _HEADER + entries.tobytes()


def _start(blob: bytes) -> int:
    """Return where a stored row's entries start: after its format byte, or at 0 (format 0)."""
    if len(blob) % ENTRY.itemsize == 0:
        return 0  # format 0: written before rows had a format byte
    if len(blob) % ENTRY.itemsize != 1 or blob[0] != FORMAT:
        raise ValueError(f"a match row of an unknown format ({len(blob)} bytes, first {blob[0]})")
    return 1


def _entries_bytes(blob: bytes) -> bytes:
    """Return a stored row's entries without its format byte."""
    return blob[_start(blob) :] if blob else blob


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser over uint64 (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = values + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def entry_hashes(item_id, version_id, verdict, amount_fen, known) -> np.ndarray:
    """Hash each active entry's content (item, version, verdict, amount) to uint64."""
    amount = np.where(known, np.asarray(amount_fen, np.int64), np.int64(-1)).view(np.uint64)
    head = (np.asarray(item_id, np.uint64) << np.uint64(32)) | np.asarray(version_id, np.uint64)
    with np.errstate(over="ignore"):
        tail = amount * np.uint64(3) + np.asarray(verdict, np.uint64)
        return _mix(_mix(head) ^ tail)


def digest(entries: np.ndarray) -> int:
    """Return the 63-bit digest of a subject's active entries (order does not matter)."""
    active = entries[(entries["flags"] & ENDED) == 0]
    if len(active) == 0:
        return 0
    hashes = entry_hashes(
        active["item_id"],
        active["version_id"],
        active["verdict"],
        active["amount_fen"],
        (active["flags"] & AMOUNT_KNOWN) != 0,
    )
    with np.errstate(over="ignore"):
        total = hashes.sum(dtype=np.uint64)
    return int(_mix(np.array([total], np.uint64))[0] & _MASK63)


def digests_of(many: list[np.ndarray]) -> list[int]:
    """Return digest() of each entries array, in one vectorized pass."""
    if not many:
        return []
    joined = np.frombuffer(b"".join(entries.tobytes() for entries in many), ENTRY)
    active = (joined["flags"] & ENDED) == 0
    hashes = np.where(
        active,
        entry_hashes(
            joined["item_id"],
            joined["version_id"],
            joined["verdict"],
            joined["amount_fen"],
            (joined["flags"] & AMOUNT_KNOWN) != 0,
        ),
        np.uint64(0),
    )
    sizes = np.fromiter((len(e) for e in many), np.int64, len(many))
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    out = np.zeros(len(many), np.int64)
    filled = sizes > 0
    with np.errstate(over="ignore"):
        totals = (
            np.add.reduceat(hashes, starts[filled], dtype=np.uint64) if filled.any() else hashes[:0]
        )
    out[filled] = (_mix(totals) & _MASK63).astype(np.int64)
    any_active = (
        np.add.reduceat(active.astype(np.int64), starts[filled]) > 0 if filled.any() else filled[:0]
    )
    out[np.flatnonzero(filled)[~any_active]] = 0
    return out.tolist()


def digests_by_group(hashes: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Return digest() of many subjects at once from their entries' hashes grouped by start."""
    if len(hashes) == 0:
        return np.zeros(0, np.int64)
    with np.errstate(over="ignore"):
        totals = np.add.reduceat(hashes, starts, dtype=np.uint64)
    return (_mix(totals) & _MASK63).astype(np.int64)


@dataclass(frozen=True)
class Standing:
    """A freshly computed standing of one subject on one item."""

    item_id: int
    version_id: int
    # ELIGIBLE or UNKNOWN: ineligible standings are not stored. An Eligibility when evaluated,
    # the plain int when read back from entries: compare it, do not ask it for .word
    verdict: int
    amount_fen: int | None


@dataclass
class Merge:
    """What merging fresh standings into stored entries changed."""

    entries: np.ndarray
    newly_eligible: list[int] = field(default_factory=list)  # item ids
    ended: list[int] = field(default_factory=list)
    changed: bool = False


def merge(stored: np.ndarray, fresh: list[Standing], scope: set[int], today: date) -> Merge:
    """Apply standings for the items in `scope`; items in scope without a standing end."""
    day = day_number(today)
    by_item = {int(entry["item_id"]): entry.copy() for entry in stored}
    result = Merge(entries=stored)
    seen = set()
    for standing in fresh:
        seen.add(standing.item_id)
        old = by_item.get(standing.item_id)
        was_eligible = old is not None and not old["flags"] & ENDED and old["verdict"] == ELIGIBLE
        new = np.zeros((), ENTRY)
        new["item_id"], new["version_id"], new["verdict"] = (
            standing.item_id,
            standing.version_id,
            standing.verdict,
        )
        new["flags"] = AMOUNT_KNOWN if standing.amount_fen is not None else 0
        new["amount_fen"] = standing.amount_fen or 0
        new["first_day"] = (
            old["first_day"]
            if was_eligible and old is not None  # was_eligible implies old is not None
            else (day if standing.verdict == ELIGIBLE else 0)
        )
        new["changed_day"] = day
        if standing.verdict == ELIGIBLE and not was_eligible:
            result.newly_eligible.append(standing.item_id)
        if old is not None and _same(old, new):
            continue
        by_item[standing.item_id] = new
        result.changed = True
    for item_id in scope - seen:
        old = by_item.get(item_id)
        if old is not None and not old["flags"] & ENDED:
            old["flags"] |= ENDED
            old["changed_day"] = day
            by_item[item_id] = old
            result.ended.append(item_id)
            result.changed = True
    if result.changed:
        result.entries = np.array(sorted(by_item.values(), key=lambda e: int(e["item_id"])), ENTRY)
    return result


def _same(old: np.void, new: np.ndarray) -> bool:
    return (
        not old["flags"] & ENDED
        and old["version_id"] == new["version_id"]
        and old["verdict"] == new["verdict"]
        and (old["flags"] & AMOUNT_KNOWN) == (new["flags"] & AMOUNT_KNOWN)
        and old["amount_fen"] == new["amount_fen"]
    )


def merge_one(
    stored: np.ndarray | bytes, item_id: int, fresh: Standing | None, today: date
) -> Merge:
    """merge() for a scope of one item: only that item's entry can change (the item path).

    Works on the packed bytes with struct: for one record in a row of thirty, numpy's
    structured-array machinery costs more than the whole change.
    """
    raw = _entries_bytes(stored) if isinstance(stored, bytes) else stored.tobytes()
    size, count = _RECORD.size, len(raw) // _RECORD.size
    low, high = 0, count
    while low < high:  # entries are sorted by item id
        middle = (low + high) // 2
        if _ITEM_ID.unpack_from(raw, middle * size)[0] < item_id:
            low = middle + 1
        else:
            high = middle
    at = low
    old = _RECORD.unpack_from(raw, at * size) if at < count else None
    exists = old is not None and old[0] == item_id
    # exists implies old is not None
    _, version, verdict, flags, first, _, amount = (
        old if exists and old is not None else (0, 0, 0, 0, 0, 0, 0)
    )
    active = exists and not flags & ENDED
    day = day_number(today)
    if fresh is None:
        if not active:
            return Merge(entries=_array(raw))
        record = _RECORD.pack(item_id, version, verdict, flags | ENDED, first, day, amount)
        changed = raw[: at * size] + record + raw[(at + 1) * size :]
        return Merge(entries=_array(changed), ended=[item_id], changed=True)
    known, fen = fresh.amount_fen is not None, fresh.amount_fen or 0
    if active and (version, verdict, bool(flags & AMOUNT_KNOWN), amount) == (
        fresh.version_id,
        fresh.verdict,
        known,
        fen,
    ):
        return Merge(entries=_array(raw))
    was_eligible = active and verdict == ELIGIBLE
    first = first if was_eligible else (day if fresh.verdict == ELIGIBLE else 0)
    record = _RECORD.pack(
        item_id, fresh.version_id, fresh.verdict, AMOUNT_KNOWN if known else 0, first, day, fen
    )
    tail = at + 1 if exists else at
    changed = raw[: at * size] + record + raw[tail * size :]
    newly = [item_id] if fresh.verdict == ELIGIBLE and not was_eligible else []
    return Merge(entries=_array(changed), newly_eligible=newly, changed=True)


def active_entry(raw: bytes | None, item_id: int) -> Standing | None:
    """Return a stored row's active standing on one item (None: no entry, or it ended)."""
    if not raw:
        return None
    raw = _entries_bytes(raw)
    size = _RECORD.size
    low, high = 0, len(raw) // size
    while low < high:  # entries are sorted by item id
        middle = (low + high) // 2
        if _ITEM_ID.unpack_from(raw, middle * size)[0] < item_id:
            low = middle + 1
        else:
            high = middle
    if low * size >= len(raw):
        return None
    found, version, verdict, flags, _, _, amount = _RECORD.unpack_from(raw, low * size)
    if found != item_id or flags & ENDED:
        return None
    return Standing(item_id, version, verdict, amount if flags & AMOUNT_KNOWN else None)


def _array(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, ENTRY) if raw else EMPTY
