"""URL converters: `<int:…>` segments bounded to what a BIGINT id column holds.

Werkzeug's int converter takes any number of digits; a 30-digit id then reaches the database,
where SQLite refuses it (OverflowError, a 500) and MariaDB compares it as a decimal. Bounded, such
a path matches no route: 404, as for any id that does not exist.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

BIGINT_MAX = 2**63 - 1


class IdConverter(IntegerConverter):
    """A non-negative integer that fits a signed 64-bit column (documented as its maximum)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", BIGINT_MAX)
        super().__init__(map, *args, **kwargs)
