"""The facts catalog (指标目录) as the service sees it: `current(session)` is the catalog every
rule is compiled, every profile checked and every snapshot read against."""

from services.facts._current import current

__all__ = ["current"]
