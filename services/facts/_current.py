"""The catalog in force: read from fact_definitions, kept per process, checked every few seconds.

Every process holds one `rules.Catalog` per database (session.info["cache"], shared by the
Database's sessions) with the version it was read at. At most every CHECK_SECONDS it reads
`fact_catalog.version` (one row); when another process has changed the catalog it reads the
facts again. A change made in this process drops the copy at once (forget()). So a new fact,
a grown vocabulary or a deprecation reaches every worker within CHECK_SECONDS, with no restart.
"""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import FactCatalog, FactDefinition, FactStatus
from rules import BUILTIN, Catalog
from rules.catalog import DOCUMENT_FIELDS, fact_document, fact_from_document
from rules.language import allowed_ops

CHECK_SECONDS = 2.0
_KEY = "facts_catalog"


def document_of(row: FactDefinition) -> dict:
    """Return a stored fact as the document rules.catalog reads."""
    return {name: getattr(row, name) for name in DOCUMENT_FIELDS}


def current(session: Session) -> Catalog:
    """Return the catalog in force: the active and deprecated facts (drafts are not in it)."""
    cache = session.info.setdefault("cache", {})
    held: tuple[Catalog, float] | None = cache.get(_KEY)
    now = time.monotonic()
    if held is not None and now - held[1] < CHECK_SECONDS:
        return held[0]
    version = _version(session)
    if version is None:  # the migration writes the row; without it, the facts shipped with
        return BUILTIN
    catalog = held[0] if held is not None and held[0].version == version else None
    if catalog is None:
        catalog = load(session, version)
    cache[_KEY] = (catalog, now)
    return catalog


def load(session: Session, version: int) -> Catalog:
    """Read the facts rules may use (not drafts), in catalog order."""
    rows = session.scalars(
        select(FactDefinition)
        .where(FactDefinition.status != FactStatus.DRAFT)
        .order_by(FactDefinition.position, FactDefinition.id)
    ).all()
    return Catalog(
        (fact_from_document(document_of(row), revision=row.revision) for row in rows), version
    )


def forget(session: Session) -> None:
    """Drop this process's copy (after a change here), so the next current() reads it again."""
    session.info.setdefault("cache", {}).pop(_KEY, None)


def _version(session: Session) -> int | None:
    return session.scalar(select(FactCatalog.version).where(FactCatalog.id == 1))


def public_facts(*, session: Session, subject_type: str | None = None) -> list[dict]:
    """Return the active facts as a form renders them (deprecated ones are not offered)."""
    catalog = current(session)
    return [
        {
            **{
                name: value
                for name, value in fact_document(fact).items()
                if name not in ("choices", "derivation", "source_field", "status")
            },
            "choices": [{"value": value, "label": label} for value, label in fact.choices],
            "codes": [{"value": code, "label": label} for code, label in fact.code_labels.items()],
            "derived": fact.derived,
            "derived_from": list(fact.derived_from),
            "ops": list(allowed_ops(fact)),
        }
        for fact in catalog
        if fact.status == FactStatus.ACTIVE and (subject_type is None or fact.kind == subject_type)
    ]
