"""我的政策 (精准送) and 红利预期: a resident's matches across every subject bound to them.

Built to be cheap on every open of the mini-program (docs/resident-api.md): one query reads the
bound subjects with their packed match rows, claims and grants; the items come from a copy per
process; nothing is evaluated but the one-line reason of the entries on the page shown (kept per
process by what it depends on), and a client that holds the page's ETag gets 304 before even
that.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

import orjson
from sqlalchemy import Engine, bindparam, func, select
from sqlalchemy.orm import Session

from models import (
    Claim,
    ClaimStatus,
    Department,
    Grant,
    GrantStatus,
    Policy,
    PolicyItem,
    PolicyStatus,
    Subject,
    SubjectBinding,
    SubjectMatches,
)
from models.clock import SHANGHAI
from rules import ItemRules, ParamMissing
from rules.amounts import PERIODS
from rules.identifiers import mask_name
from rules.language import Condition
from rules.profile import Profile
from services.live_items import compiled_versions
from services.match_store import AMOUNT_KNOWN, ELIGIBLE, ENDED, unpack

VERDICTS = {ELIGIBLE: "eligible", 2: "unknown"}
# A claim in one of these states means the resident already acted on the item.
CLAIM_OPEN = (ClaimStatus.SUBMITTED, ClaimStatus.REVIEWING, ClaimStatus.RETURNED)
CLAIM_ACTED = (*CLAIM_OPEN, ClaimStatus.APPROVED, ClaimStatus.PAID)
GRANT_ACTED = (GrantStatus.GRANTED, GrantStatus.CONFIRMED, GrantStatus.PAID, GrantStatus.DECLINED)
_LATEST = datetime.max.replace(tzinfo=SHANGHAI)


@dataclass
class BoundSubject:
    """One subject the resident may act for, with its stored matches."""

    id: int
    kind: str
    name: str
    facts: dict
    profile_seq: int
    entries: Any  # services.match_store ENTRY array


@dataclass
class MyMatches:
    """Every match of the resident's subjects, sorted; reasons are added per page."""

    cards: list[dict[str, Any]]
    subjects: dict[int, BoundSubject]
    today: date
    versions: dict[int, str] = field(default_factory=dict)  # version id -> subject kind

    @property
    def total(self) -> int:
        """Return how many matches there are."""
        return len(self.cards)

    def page(self, number: int, size: int) -> list[dict[str, Any]]:
        """Return one page of the sorted matches."""
        return self.cards[(number - 1) * size : number * size]

    def fingerprint(self, number: int, size: int) -> str:
        """Return what a page's content depends on, as one digest for its ETag: the entries
        with their claim and grant states, the profiles they are explained from, the day."""
        page = self.page(number, size)
        seqs = sorted(
            {(c["subject"]["id"], self.subjects[c["subject"]["id"]].profile_seq) for c in page}
        )
        # what a card shows beyond its item (named by the digest of its shown facts); the repr
        # of ints, strs and None is the same in every process
        cards = [
            (
                c["_item"],
                c["_version_id"],
                c["subject"]["id"],
                c["subject"]["name"],
                c["verdict"],
                c["amount_fen"],
                c["claim"] and tuple(c["claim"].values()),
                c["grant"] and tuple(c["grant"].values()),
            )
            for c in page
        ]
        state = (number, size, self.total, self.today.isoformat(), seqs, cards)
        return hashlib.sha1(repr(state).encode()).hexdigest()


# The statement's SQL and its compiled form, per dialect: built and compiled once (building a
# select() costs about as much as running it).
_COMPILED: dict[str, tuple[str, Any]] = {}


def _compiled(engine: Engine) -> tuple[str, Any]:
    """Return the SQL and compiled form of the statement reading the resident's bound
    subjects: per binding, one JSON array [binding id, subject id, kind, name, facts, profile
    seq, claims, grants] and the packed match row.

    The claims and grants come as JSON arrays, so that one round trip reads all (MariaDB caps
    an aggregate at group_concat_max_len, 1 MB by default: some 20,000 claims); the rest is
    packed into the same array because the driver parses every column's description in Python
    on every read, which cost more than the JSON parsing (bench.api, docs/resident-api.md).
    """
    held = _COMPILED.get(engine.dialect.name)
    if held is None:
        sqlite = engine.dialect.name == "sqlite"
        agg = func.json_group_array if sqlite else func.json_arrayagg
        claims = (
            select(agg(func.json_array(Claim.id, Claim.item_id, Claim.status, Claim.claim_no)))
            .where(Claim.subject_id == Subject.id)
            .scalar_subquery()
        )
        grants = (
            select(agg(func.json_array(Grant.id, Grant.item_id, Grant.status)))
            .where(Grant.subject_id == Subject.id)
            .scalar_subquery()
        )
        facts = Subject.facts
        if sqlite:  # JSON is text there (and loses its JSON type through a subquery): json()
            facts, claims, grants = func.json(facts), func.json(claims), func.json(grants)
        statement = (
            select(
                func.json_array(
                    SubjectBinding.id,
                    Subject.id,
                    Subject.kind,
                    Subject.name,
                    facts,
                    Subject.profile_seq,
                    claims,
                    grants,
                ),
                SubjectMatches.entries,
            )
            .select_from(SubjectBinding)
            .join(Subject, Subject.id == SubjectBinding.subject_id)
            .outerjoin(SubjectMatches, SubjectMatches.subject_id == Subject.id)
            .where(
                SubjectBinding.wechat_user_id == bindparam("user_id"),
                SubjectBinding.status == "active",
            )
            # no ORDER BY: a filesort costs the server more than sorting a few rows here
        )
        compiled = statement.compile(dialect=engine.dialect)
        held = _COMPILED[engine.dialect.name] = (str(compiled), compiled)
    return held


PREPARED = "kx_my_matches"  # the statement's name on each MariaDB connection
UNKNOWN_STATEMENT = 1243  # ER_UNKNOWN_STMT_HANDLER: the connection does not hold it (any more)


def _read(engine: Engine, wechat_user_id: int) -> list[tuple[list, bytes | None]]:
    """Run the statement on a pooled DB-API connection: its compiled SQL and parameters are
    built once, and the rows need no type processing but the JSON (parsed here, by orjson:
    several times faster than the json module on this path).

    `engine` is the database's engine for reads (models.db.Database.reads): on MariaDB its
    connections are in autocommit, so the one statement is its own transaction and the
    connection goes back to the pool without a ROLLBACK. On SQLite the connection is in
    autocommit mode outside SQLAlchemy's transactions, so the read takes no lock beyond the
    statement.
    """
    for attempt in range(2):
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            _execute(engine, connection, cursor, wechat_user_id)
            rows = [(orjson.loads(subject), entries) for subject, entries in cursor.fetchall()]
            cursor.close()
        except engine.dialect.loaded_dbapi.Error as exc:
            if attempt or not engine.dialect.is_disconnect(exc, connection.dbapi_connection, None):
                connection.close()
                raise
            # The server dropped the connection (a restart since it was last used, within
            # models.db's idle ping): drop it and every pooled one, and read again (a read).
            connection.invalidate(exc)
            connection.close()
            engine.dispose()
            continue
        connection.close()
        rows.sort(key=lambda row: row[0][0])  # binding order
        return rows
    raise AssertionError("unreachable")  # pragma: no cover


def _execute(engine: Engine, connection: Any, cursor: Any, wechat_user_id: int) -> None:
    """Execute the statement for one resident.

    On MariaDB it is prepared once per connection (PREPARE ... FROM, then EXECUTE ... USING a
    value: MariaDB's text protocol, which pymysql speaks) and executed by name: the server
    then neither parses it nor rewrites its subqueries again, a third of its time on this read
    (docs/resident-api.md). Elsewhere (SQLite caches its own statements) it runs as compiled.
    """
    sql, compiled = _compiled(engine)
    if not getattr(engine.dialect, "is_mariadb", False):
        params: Any = compiled.construct_params({"user_id": wechat_user_id})
        if compiled.positional:
            params = tuple(params[name] for name in compiled.positiontup)  # type: ignore[union-attr]
        cursor.execute(sql, params)
        return
    for attempt in range(2):
        if not connection.info.get(PREPARED):  # the statement's constants written in, the user ?
            literal = connection.dbapi_connection.literal
            values = {n: literal(v) for n, v in compiled.construct_params({"user_id": 0}).items()}
            cursor.execute(f"PREPARE {PREPARED} FROM %s", (sql % (values | {"user_id": "?"}),))
            connection.info[PREPARED] = True
        try:
            cursor.execute(f"EXECUTE {PREPARED} USING %s", (wechat_user_id,))
            return
        except engine.dialect.loaded_dbapi.Error as exc:
            if attempt or not exc.args or exc.args[0] != UNKNOWN_STATEMENT:
                raise
            connection.info[PREPARED] = False  # gone (a server-side reset): prepare it again


def bound_subjects(
    session: Session, wechat_user_id: int
) -> tuple[dict[int, BoundSubject], dict[tuple[str, int, int], Act]]:
    """Return the resident's active subjects with their match rows, in binding order, and the
    latest claim and grant per subject and item (1 query).

    Read on a connection of its own, returned at once (see _read).
    """
    rows = _read(session.info.get("reads") or session.get_bind(), wechat_user_id)
    subjects: dict[int, BoundSubject] = {}
    latest: dict[tuple[str, int, int], Act] = {}
    for (_binding, subject_id, kind, name, facts, seq, claims, grants), entries in rows:
        subjects[subject_id] = BoundSubject(
            subject_id, kind, name, facts or {}, seq, unpack(entries)
        )
        # a later claim of the same item (after a rejection) replaces the earlier
        for claim_id, item_id, status, claim_no in sorted(claims or ()):
            latest[("claim", subject_id, item_id)] = Act(
                "claim", claim_id, subject_id, item_id, status, claim_no
            )
        for grant_id, item_id, status in sorted(grants or ()):
            latest[("grant", subject_id, item_id)] = Act(
                "grant", grant_id, subject_id, item_id, status, None
            )
    return subjects, latest


ITEMS_TTL = 10.0  # seconds an item's name, window and policy title may be shown stale


@dataclass(frozen=True)
class ItemFacts:
    """What a match card shows of its item."""

    id: int
    code: str
    name: str
    mode: str
    apply_from: datetime | None
    apply_until: datetime | None
    policy_id: int
    policy_title: str
    department_id: int
    department: str
    apply_from_text: str | None = None  # as a response shows it (Asia/Shanghai, ISO 8601)
    apply_until_text: str | None = None
    digest: str = ""  # of all the above, for ETags

    @cached_property
    def shown_item(self) -> dict[str, Any]:
        """The card's `item`, built once per copy of the item (cards share it: never change it)."""
        return {"id": self.id, "code": self.code, "name": self.name, "mode": self.mode}

    @cached_property
    def shown_policy(self) -> dict[str, Any]:
        """The card's `policy` (shared as above)."""
        return {"id": self.policy_id, "title": self.policy_title}

    @cached_property
    def shown_department(self) -> dict[str, Any]:
        """The card's `department` (shared as above)."""
        return {"id": self.department_id, "short_name": self.department}


def _shown_time(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(SHANGHAI).isoformat()


def live_item_facts(session: Session, item_ids: set[int]) -> dict[int, ItemFacts]:
    """Return the live items among these ids, from a per-process copy of every live item.

    The copy is read again (one query for all live items: a city has hundreds) when it is older
    than ITEMS_TTL or lacks an item asked for, so a newly published item shows at once and an
    edit within seconds; an item taken down may show a few seconds longer, as its matches do
    until the matcher ends them.
    """
    cache = session.info.setdefault("cache", {})
    held: tuple[float, dict[int, ItemFacts]] | None = cache.get("match_item_facts")
    now = time.monotonic()
    if held is None or now - held[0] > ITEMS_TTL or not item_ids <= held[1].keys():
        rows = session.execute(
            select(
                PolicyItem.id,
                PolicyItem.code,
                PolicyItem.name,
                PolicyItem.mode,
                PolicyItem.apply_from,
                PolicyItem.apply_until,
                Policy.id,
                Policy.title,
                Department.id,
                Department.short_name,
            )
            .join(Policy, Policy.id == PolicyItem.policy_id)
            .join(Department, Department.id == Policy.department_id)
            .where(
                PolicyItem.status == PolicyStatus.PUBLISHED,
                Policy.status == PolicyStatus.PUBLISHED,
            )
        )
        held = (
            now,
            {
                row[0]: ItemFacts(
                    *row,  # type: ignore[misc]
                    _shown_time(row[4]),
                    _shown_time(row[5]),
                    hashlib.sha1(repr(tuple(row)).encode()).hexdigest()[:20],
                )
                for row in rows
            },
        )
        cache["match_item_facts"] = held
    return {i: held[1][i] for i in item_ids if i in held[1]}


@dataclass(frozen=True)
class Act:
    """A claim or grant of a subject for an item, as a match card shows it."""

    kind: str  # claim or grant
    id: int
    subject_id: int
    item_id: int
    status: str
    claim_no: str | None


def shown_name(kind: str, name: str) -> str:
    """Return a subject's name as a response shows it: a person's masked (张*), an
    enterprise's as registered (public, like its 统一社会信用代码)."""
    return mask_name(name) if kind == "person" else name


def annual(amount_fen: int | None, period: str | None) -> int | None:
    """Return what an amount is worth over the next 12 months (monthly x 12)."""
    if amount_fen is None:
        return None
    return amount_fen * PERIODS[period or "once"][1]


def my_matches(*, session: Session, wechat_user_id: int, today: date) -> MyMatches:
    """Return the eligible and 还差一项 (unknown) items of every subject bound to the resident.

    Sorted by value and urgency: eligible before unknown, not yet acted on before claimed or
    granted, closing soonest first (no deadline last), then the larger yearly amount.
    """
    subjects, acts = bound_subjects(session, wechat_user_id)
    # (subject, item id, version id, verdict, amount or None) of every entry not ended; the
    # entries as Python tuples at once (numpy scalars cost more on each field read)
    active = [
        (subject, item_id, version_id, verdict, amount if flags & AMOUNT_KNOWN else None)
        for subject in subjects.values()
        for item_id, version_id, verdict, flags, _, _, amount in subject.entries.tolist()
        if not flags & ENDED
    ]
    items = live_item_facts(session, {entry[1] for entry in active}) if active else {}
    kinds = {version_id: subject.kind for subject, _, version_id, _, _ in active}
    compiled = compiled_versions(session, kinds)
    shown_subjects = {
        subject.id: {
            "id": subject.id,
            "kind": subject.kind,
            "name": shown_name(subject.kind, subject.name),
        }
        for subject in subjects.values()
    }
    cards = []
    for subject, item_id, version_id, verdict, fen in active:
        item = items.get(item_id)
        if item is None:  # taken down; the matcher ends the entry shortly
            continue
        rules = compiled.get(version_id)
        period = None if rules is None or rules.amount is None else rules.amount.period
        claim = acts.get(("claim", subject.id, item_id))
        grant = acts.get(("grant", subject.id, item_id))
        cards.append(
            {
                # the item's parts are shared by every card of the item (never changed)
                "item": item.shown_item,
                "policy": item.shown_policy,
                "department": item.shown_department,
                "subject": shown_subjects[subject.id],
                "verdict": VERDICTS.get(verdict, "unknown"),
                "amount_fen": fen,
                "period": period,
                "annual_fen": annual(fen, period),
                "apply_from": item.apply_from_text,
                "apply_until": item.apply_until_text,
                "mode": item.mode,
                "claim": None
                if claim is None
                else {"id": claim.id, "claim_no": claim.claim_no, "status": claim.status},
                "grant": None if grant is None else {"id": grant.id, "status": grant.status},
                "acted": (claim is not None and claim.status in CLAIM_ACTED)
                or (grant is not None and grant.status in GRANT_ACTED),
                "_version_id": version_id,
                "_until": item.apply_until,
                "_item": item.digest,
            }
        )
    cards.sort(key=_urgency)
    return MyMatches(cards, subjects, today, kinds)


def _urgency(card: dict[str, Any]) -> tuple:
    return (
        card["verdict"] != "eligible",
        card["acted"],
        card["_until"] or _LATEST,
        -(card["annual_fen"] or 0),
        card["item"]["id"],
        card["subject"]["id"],
    )


def with_reasons(*, session: Session, matches: MyMatches, cards: list[dict[str, Any]]) -> list:
    """Add the one-line Chinese reason to each card (computed on read: docs/matching.md)."""
    compiled = compiled_versions(session, matches.versions)
    known = session.info.setdefault("cache", {}).setdefault("match_reasons", {})
    for card in cards:
        rules = compiled.get(card["_version_id"])
        if rules is None:
            card["reason"] = ""
            continue
        card["reason"] = reason(
            rules,
            card["_version_id"],
            matches.subjects[card["subject"]["id"]].facts,
            matches.today,
            known,
        )
    return cards


REASONS_CACHED = 50_000


def reason(rules: ItemRules, version_id: int, facts: dict, today: date, known: dict) -> str:
    """Return the one-line reason of an entry, from `known` when already explained.

    `known` is per database (session.info["cache"]): it holds the reasons by key and, by
    version id, the facts each version's rule reads.

    The reason is a function of the item version, the day, and the facts the rule's conditions
    read (stored ones as stored, derived ones such as age as derived on that day): residents
    who share them (the same age and district, the same fact missing) share the reason. So it
    is kept per process under exactly those values; a rule is explained only for a combination
    not seen yet.
    """
    inputs = known.get(version_id)
    if inputs is None:
        inputs = known[version_id] = _inputs(rules)
    key: list[Any] = [version_id, today]
    profile = None
    for name, sources in inputs:
        if sources:  # derived (age): as derived today, or which of its inputs are missing
            if profile is None:
                profile = Profile(rules.kind, facts, today)
            value = profile.get(name)
            if value is None:
                value = tuple(profile.get(source) is None for source in sources)
        else:  # stored: as stored (the same stored value is read and explained the same way)
            value = facts.get(name)
            if isinstance(value, list):
                value = tuple(value)
        key += (value, value.__class__)  # True == 1 as keys; as facts they may differ
    try:
        text = known.get(tuple(key))
    except TypeError:  # a value that cannot be a key (a nested list): explain it
        key, text = [], None
    if text is None:
        try:
            text = rules.summary(facts, today)
        except ParamMissing:  # no standard in force today; the matcher ends such entries
            text = ""
        if key:
            if len(known) >= REASONS_CACHED:
                known.clear()  # the rules' inputs too: they are found again
            known[tuple(key)] = text
    return text


def _inputs(rules: ItemRules) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Return the facts the rule's conditions read, each with the stored facts it is derived
    from (empty for a stored fact): a missing derived fact is reported by its missing inputs."""
    names: dict[str, tuple[str, ...]] = {}
    stack = [] if rules.rule is None else [rules.rule]
    while stack:
        node = stack.pop()
        if isinstance(node, Condition):
            for fact in (node.fact, node.other):
                if fact is not None:
                    names[fact.name] = tuple(fact.derived_from or ()) if fact.derived else ()
        else:
            stack.extend(node.children)
    return tuple(names.items())


def my_summary(*, session: Session, wechat_user_id: int, today: date) -> dict[str, Any]:
    """Return the home page's 红利预期: expected this year, claimed, received, and counts.

    expected: the yearly value (monthly x 12) of every eligible match with a known amount;
    claimed: claims submitted, under review, returned or approved (approved amount when
    decided, else the expected one); received: paid claims and paid grants in this calendar
    year (Asia/Shanghai).
    """
    matches = my_matches(session=session, wechat_user_id=wechat_user_id, today=today)
    subject_ids = list(matches.subjects)
    claims = _all_claims(session, subject_ids)
    grants = _all_grants(session, subject_ids)
    eligible = [c for c in matches.cards if c["verdict"] == "eligible"]
    claimed = [c for c in claims if c.status in (*CLAIM_OPEN, ClaimStatus.APPROVED)]
    received = [
        fen
        for fen, paid_at in [(c.paid_fen, c.paid_at) for c in claims if c.status == "paid"]
        + [(g.amount_fen, g.paid_at) for g in grants if g.status == "paid"]
        if paid_at is not None and paid_at.astimezone(SHANGHAI).year == today.year
    ]
    return {
        "year": today.year,
        "subjects": len(subject_ids),
        "eligible_count": len(eligible),
        "unknown_count": len(matches.cards) - len(eligible),
        "expected_fen": sum(c["annual_fen"] or 0 for c in eligible),
        "claimed_count": len(claimed),
        "claimed_fen": sum(
            (c.approved_fen if c.approved_fen is not None else c.expected_fen) or 0 for c in claimed
        ),
        "received_count": len(received),
        "received_fen": sum(fen or 0 for fen in received),
    }


def _all_claims(session: Session, subject_ids: list[int]) -> list:
    if not subject_ids:
        return []
    return list(
        session.execute(
            select(
                Claim.status, Claim.expected_fen, Claim.approved_fen, Claim.paid_fen, Claim.paid_at
            ).where(Claim.subject_id.in_(subject_ids))
        )
    )


def _all_grants(session: Session, subject_ids: list[int]) -> list:
    if not subject_ids:
        return []
    return list(
        session.execute(
            select(Grant.status, Grant.amount_fen, Grant.paid_at).where(
                Grant.subject_id.in_(subject_ids)
            )
        )
    )
