"""Declarative base, naming convention and the column types every table shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    TypeDecorator,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# An autoincrementing 64-bit key on MariaDB; SQLite only autoincrements INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")
# Keyed hashes and small ciphertexts: VARBINARY on MariaDB, so they can be indexed.
Hash32 = LargeBinary(32).with_variant(mysql.VARBINARY(32), "mysql", "mariadb")
Sealed = LargeBinary(255).with_variant(mysql.VARBINARY(255), "mysql", "mariadb")
# JSON documents: JSON on MariaDB (a LONGTEXT checked by json_valid), TEXT on SQLite.
Json = JSON()


class UTCDateTime(TypeDecorator[datetime]):
    """Store aware datetimes as naive UTC; hand back aware UTC datetimes."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect):
        """Use microsecond precision on MariaDB, whose DATETIME drops fractions by default."""
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value, dialect):
        """Refuse naive datetimes: every time in this service is aware."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use models.clock.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        """Mark stored values as UTC."""
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Base class of every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict: Json, list: Json}


class IdMixin:
    """A 64-bit surrogate primary key."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True, sort_order=-1)


def table_of(model: type[Base]) -> Table:
    """A mapped class's Table (`__table__` is typed as a FromClause; every model here has one)."""
    return cast(Table, model.__table__)
