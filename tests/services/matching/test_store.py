"""The packed match entries: merging, the one-item shortcut, and digests."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.matching import AMOUNT_KNOWN, ENDED, unpack
from services.matching._store import (
    ENTRY,
    Standing,
    digest,
    digests_by_group,
    entry_hashes,
    merge,
    merge_one,
    pack,
)

TODAY = date(2026, 11, 27)

standing = st.builds(
    Standing,
    item_id=st.integers(1, 8),
    version_id=st.integers(1, 3),
    verdict=st.sampled_from([1, 2]),
    amount_fen=st.one_of(st.none(), st.integers(0, 10**6)),
)


@st.composite
def stored_entries(draw: st.DrawFn) -> np.ndarray:
    items = sorted(draw(st.sets(st.integers(1, 8), max_size=6)))
    out = np.zeros(len(items), ENTRY)
    for row, item in zip(out, items, strict=True):
        row["item_id"], row["version_id"] = item, draw(st.integers(1, 3))
        row["verdict"] = draw(st.sampled_from([1, 2]))
        row["flags"] = draw(st.sampled_from([0, ENDED, AMOUNT_KNOWN, ENDED | AMOUNT_KNOWN]))
        row["amount_fen"] = draw(st.integers(0, 10**6)) if row["flags"] & AMOUNT_KNOWN else 0
        row["first_day"] = draw(st.integers(0, 20000))
    return out


@given(stored_entries(), st.integers(1, 8), st.one_of(st.none(), standing))
def test_the_one_item_shortcut_equals_the_general_merge(stored, item_id, fresh) -> None:  # type: ignore[no-untyped-def]
    if fresh is not None:
        fresh = Standing(item_id, fresh.version_id, fresh.verdict, fresh.amount_fen)
    general = merge(stored.copy(), [fresh] if fresh else [], {item_id}, TODAY)
    quick = merge_one(stored.copy(), item_id, fresh, TODAY)
    assert quick.changed == general.changed
    assert quick.newly_eligible == general.newly_eligible
    assert quick.ended == general.ended
    if general.changed:
        assert pack(quick.entries) == pack(general.entries)


def test_merge_reports_new_eligibility_once_and_ends_what_is_gone() -> None:
    first = merge(
        np.zeros(0, ENTRY), [Standing(3, 1, 1, 500), Standing(5, 1, 2, None)], {3, 5}, TODAY
    )
    assert first.newly_eligible == [3] and first.changed
    again = merge(first.entries, [Standing(3, 1, 1, 500), Standing(5, 1, 2, None)], {3, 5}, TODAY)
    assert not again.changed and again.newly_eligible == []
    promoted = merge(first.entries, [Standing(3, 1, 1, 500), Standing(5, 1, 1, 800)], {3, 5}, TODAY)
    assert promoted.newly_eligible == [5]
    gone = merge(promoted.entries, [Standing(5, 1, 1, 800)], {3, 5}, TODAY)
    assert gone.ended == [3]
    kept = unpack(pack(gone.entries))
    assert kept["flags"][kept["item_id"] == 3][0] & ENDED  # kept as history


def test_digest_ignores_order_and_ended_entries_and_matches_the_grouped_version() -> None:
    entries = merge(
        np.zeros(0, ENTRY), [Standing(3, 1, 1, 500), Standing(5, 2, 2, None)], {3, 5}, TODAY
    ).entries
    assert digest(entries) == digest(entries[::-1]) != 0
    ended = entries.copy()
    ended["flags"][0] |= ENDED
    assert digest(ended) != digest(entries)
    both = np.concatenate([entries, entries[:1]])
    hashes = entry_hashes(
        both["item_id"],
        both["version_id"],
        both["verdict"],
        both["amount_fen"],
        (both["flags"] & AMOUNT_KNOWN) != 0,
    )
    grouped = digests_by_group(hashes, np.array([0, 2]))
    assert grouped.tolist() == [digest(entries), digest(entries[:1])]


@given(st.lists(stored_entries(), max_size=6))
def test_digests_of_many_equals_one_by_one(many: list) -> None:  # type: ignore[no-untyped-def]
    from services.matching._store import digests_of

    assert digests_of(many) == [digest(entries) for entries in many]


def test_a_row_carries_its_format_byte_and_rows_without_one_still_read() -> None:
    from services.matching._store import FORMAT, active_entry, pack, unpack

    entries = np.zeros(2, ENTRY)
    entries["item_id"], entries["verdict"], entries["amount_fen"] = [3, 8], [1, 2], [500, 0]
    entries["flags"] = [2, 0]
    stored = pack(entries)
    assert stored[0] == FORMAT and stored[1:] == entries.tobytes()
    for blob in (stored, entries.tobytes()):  # format 1, and format 0 as written before
        assert unpack(blob).tolist() == entries.tolist()
        found = active_entry(blob, 3)
        assert found is not None and (found.item_id, found.amount_fen) == (3, 500)
        assert active_entry(blob, 4) is None
        merged = merge_one(blob, 8, None, date(2026, 12, 4))
        assert merged.changed and merged.ended == [8]
    assert unpack(pack(entries[:0])).tolist() == []
    with pytest.raises(ValueError, match="unknown format"):
        unpack(bytes([2]) + entries.tobytes())
