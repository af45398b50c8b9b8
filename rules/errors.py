"""What validation reports: each problem with the JSON path of the offending part."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleError:
    """One problem in a rule, amount or params document; the message is for publishers."""

    path: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """Return {"path", "message"}."""
        return {"path": self.path, "message": self.message}


class RuleInvalid(Exception):
    """An item's rule, amount or params cannot be used; `errors` says where and why."""

    def __init__(self, errors: list[RuleError]) -> None:
        super().__init__("; ".join(f"{e.path}: {e.message}" for e in errors))
        self.errors = errors

    def by_path(self) -> dict[str, list[str]]:
        """Return the messages grouped by path (the API's field-level error shape)."""
        grouped: dict[str, list[str]] = {}
        for error in self.errors:
            grouped.setdefault(error.path, []).append(error.message)
        return grouped
