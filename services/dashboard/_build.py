"""The snapshot of the stored matches: by district, item and department, in one pass."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import DashboardSnapshot, Department, Policy, PolicyItem, Subject, SubjectMatches
from rules.amounts import PERIODS
from rules.codes import DIVISIONS
from rules.eligibility import Eligibility
from services.matching import AMOUNT_KNOWN, ENDED, live_items, unpack

CHUNK = 20_000  # rows read and summed at a time
KEPT = 48  # snapshots kept (a day at one every half hour)


def build_snapshot(session: Session) -> DashboardSnapshot:
    """Sum every subject's active matches by item and district; store and return the row."""
    items = _items(session)
    periods = {item.id: _times(item) for item in live_items(session)}
    periods_of = np.zeros(max(periods, default=0) + 1, np.int64)  # by item id: 0 if not live
    for item_id, times in periods.items():
        periods_of[item_id] = times
    districts: dict[str | None, int] = {}
    sums: dict[tuple[int, int], np.ndarray] = defaultdict(lambda: np.zeros(4, np.int64))
    matched_by_district: dict[int, int] = defaultdict(int)
    # departments by a dense index, and each item's: a subject counts once per department
    department_ids = sorted({item["department_id"] for item in items.values()})
    department_of = np.full(max(items, default=0) + 1, -1, np.int64)
    for item_id, item in items.items():
        department_of[item_id] = department_ids.index(item["department_id"])
    matched_by_department: dict[tuple[int, int], int] = defaultdict(int)  # (dept, district)
    subjects = 0
    rows = session.execute(
        select(SubjectMatches.entries, Subject.district_code)
        .join(Subject, Subject.id == SubjectMatches.subject_id)
        .execution_options(yield_per=CHUNK)
    )
    for chunk in rows.partitions(CHUNK):
        subjects += len(chunk)
        parts, where = [], []
        for blob, district in chunk:
            entries = unpack(blob)
            parts.append(entries)
            where.append(districts.setdefault(district, len(districts)))
        counts = np.fromiter((len(part) for part in parts), np.int64, len(parts))
        if not counts.sum():
            continue
        entries = np.concatenate(parts)
        owner = np.repeat(np.arange(len(parts)), counts)
        active = (entries["flags"] & ENDED) == 0
        entries, owner = entries[active], owner[active]
        district_of = np.asarray(where, np.int64)[owner]
        eligible = entries["verdict"] == Eligibility.ELIGIBLE
        matched = np.unique(owner[eligible])
        for index in np.asarray(where, np.int64)[matched]:
            matched_by_district[int(index)] += 1
        departments = department_of[
            np.clip(entries["item_id"][eligible].astype(np.int64), 0, len(department_of) - 1)
        ]
        keyed = np.unique(owner[eligible] * (len(department_ids) + 1) + (departments + 1))
        owners, positions = np.divmod(keyed, len(department_ids) + 1)
        places = positions * 1_000_003 + np.asarray(where, np.int64)[owners]
        cells, counted = np.unique(places[positions > 0], return_counts=True)
        for cell, count in zip(cells.tolist(), counted.tolist(), strict=True):
            position, district = divmod(cell, 1_000_003)
            matched_by_department[(department_ids[position - 1], district)] += count
        known = (entries["flags"] & AMOUNT_KNOWN) != 0
        item_ids = entries["item_id"].astype(np.int64)
        times = periods_of[np.clip(item_ids, 0, len(periods_of) - 1)]
        annual = np.where(known, entries["amount_fen"] * times, 0)
        keys = item_ids * 1_000_003 + district_of
        groups, inverse = np.unique(keys, return_inverse=True)
        unknown = entries["verdict"] == Eligibility.UNKNOWN
        figures = [
            np.bincount(inverse, weights=weights, minlength=len(groups))
            for weights in (
                eligible,
                unknown,
                np.where(eligible, annual, 0),
                np.where(eligible, 0, annual),
            )
        ]
        for position, key in enumerate(groups.tolist()):
            item_id, district = divmod(key, 1_000_003)
            sums[(item_id, district)] += np.array(
                [round(float(column[position])) for column in figures], np.int64
            )
    summary = _figures(items, districts, sums, matched_by_district)
    summary["departments"] = _by_department(items, districts, sums, matched_by_department)
    snapshot = DashboardSnapshot(subjects=subjects, figures=summary)
    session.add(snapshot)
    session.flush()
    old = session.scalars(
        select(DashboardSnapshot.id).order_by(DashboardSnapshot.id.desc()).offset(KEPT)
    ).all()
    if old:
        session.query(DashboardSnapshot).filter(DashboardSnapshot.id.in_(old)).delete()
    session.commit()
    return snapshot


def _times(item: Any) -> int:
    """An item's periods in the next 12 months (monthly × 12), or 0 when it gives no money."""
    amount = item.rules.amount
    return 0 if amount is None else PERIODS[amount.period][1]


def _items(session: Session) -> dict[int, dict[str, Any]]:
    rows = session.execute(
        select(
            PolicyItem.id,
            PolicyItem.code,
            PolicyItem.name,
            PolicyItem.mode,
            Department.id.label("department_id"),
            Department.short_name,
        )
        .join(Policy, Policy.id == PolicyItem.policy_id)
        .join(Department, Department.id == Policy.department_id)
    )
    return {row.id: row._asdict() for row in rows}


OUTSIDE = "市外或未登记"  # subjects whose district is not one of the city's, as one row


def _district_rows(
    codes: dict[int, str | None],
    by_district: dict[int, list[int]],
    matched: dict[int, int],
) -> list[dict[str, Any]]:
    """One row per district of the city, the rest (elsewhere, unknown) together in one."""
    rows: dict[str | None, dict[str, Any]] = {}
    for index, (eligible, unknown, annual) in by_district.items():
        code = codes[index]
        ours = code is not None and code.startswith("3715") and len(code) == 6 and code in DIVISIONS
        key = code if ours else None
        row = rows.setdefault(
            key,
            {
                "code": key,
                "name": DIVISIONS[key] if key else OUTSIDE,
                "subjects": 0,
                "eligible": 0,
                "unknown": 0,
                "annual_fen": 0,
            },
        )
        row["subjects"] += matched.get(index, 0)
        row["eligible"] += eligible
        row["unknown"] += unknown
        row["annual_fen"] += annual
    return sorted(
        rows.values(),
        key=lambda row: (
            row["code"] is None,
            -row["annual_fen"],
            -row["eligible"],
            str(row["code"]),
        ),
    )


def _by_department(
    items: dict[int, dict[str, Any]],
    districts: dict[str | None, int],
    sums: dict[tuple[int, int], np.ndarray],
    matched: dict[tuple[int, int], int],
) -> dict[str, dict[str, Any]]:
    """Each department's figures by district, and its subjects with an eligible match (JSON
    keys are strings: the department's id)."""
    codes = {index: code for code, index in districts.items()}
    places: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for (item_id, district), figures in sums.items():
        if item_id not in items:
            continue
        place = places[items[item_id]["department_id"]][district]
        for position, value in enumerate(int(value) for value in figures[:3]):
            place[position] += value
    counted: dict[int, dict[int, int]] = defaultdict(dict)
    for (department_id, district), count in matched.items():
        counted[department_id][district] = count
    return {
        str(department_id): {
            "by_district": _district_rows(codes, place, counted[department_id]),
            "matched_subjects": sum(counted[department_id].values()),
        }
        for department_id, place in places.items()
    }


def _figures(
    items: dict[int, dict[str, Any]],
    districts: dict[str | None, int],
    sums: dict[tuple[int, int], np.ndarray],
    matched_by_district: dict[int, int],
) -> dict[str, Any]:
    codes = {index: code for code, index in districts.items()}
    by_district: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    by_item: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for (item_id, district), figures in sums.items():
        if item_id not in items:
            continue
        eligible, unknown, annual, possible = (int(value) for value in figures)  # JSON: no int64
        place = by_district[district]
        place[0] += eligible
        place[1] += unknown
        place[2] += annual
        totals = by_item[item_id]
        for position, value in enumerate((eligible, unknown, annual, possible)):
            totals[position] += value
    district_rows = _district_rows(codes, by_district, matched_by_district)
    item_rows: list[dict[str, Any]] = sorted(
        (
            {
                "item_id": item_id,
                "code": items[item_id]["code"],
                "name": items[item_id]["name"],
                "mode": items[item_id]["mode"],
                "department_id": items[item_id]["department_id"],
                "department": items[item_id]["short_name"],
                "eligible": eligible,
                "unknown": unknown,
                "annual_fen": annual,
                "possible_annual_fen": possible,
            }
            for item_id, (eligible, unknown, annual, possible) in by_item.items()
        ),
        key=lambda row: (-row["annual_fen"], -row["eligible"], row["code"]),
    )
    departments: dict[str, dict[str, Any]] = {}
    for item in item_rows:
        entry = departments.setdefault(
            item["department"],
            {
                "department_id": item["department_id"],
                "department": item["department"],
                "items": 0,
                "eligible": 0,
                "annual_fen": 0,
            },
        )
        entry["items"] += 1
        entry["eligible"] += item["eligible"]
        entry["annual_fen"] += item["annual_fen"]
    return {
        "by_district": district_rows,
        "by_item": item_rows,
        "by_department": sorted(departments.values(), key=lambda row: -row["annual_fen"]),
        "matched_subjects": sum(matched_by_district.values()),
        "eligible_pairs": sum(row["eligible"] for row in item_rows),
        "annual_fen": sum(row["annual_fen"] for row in item_rows),
    }
