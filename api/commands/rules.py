"""`kuaixiang rules test`: run the items' YAML cases against their rules (no database)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rules.cases import ItemReport


@click.group("rules")
def rules_group() -> None:
    """Check items' rules, amounts and params against their cases."""


@rules_group.command("test")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Date for cases without as_of (default: today in Asia/Shanghai).",
)
@click.option("-v", "--verbose", is_flag=True, help="Also print each failure's explanation.")
def rules_test_command(path: Path | None, as_of: datetime | None, verbose: bool) -> None:
    """Run the cases of the demo items, or of the policy YAML files under PATH (no database)."""
    from models.clock import local_now
    from rules import BUILTIN
    from rules.cases import run_item
    from services.demo import ContentError, read_items

    try:
        items = read_items(path)
    except ContentError as exc:
        raise click.ClickException(str(exc)) from None
    default_as_of = as_of.date() if as_of else local_now().date()
    passed = failed = invalid = 0
    for item in items:
        report = run_item(item, catalog=BUILTIN, default_as_of=default_as_of)
        _echo_failures(f"{item.get('code', '?')} {item.get('name', '')}".strip(), report, verbose)
        invalid += bool(report.errors)
        failed += len(report.failed)
        passed += len(report.results) - len(report.failed)
    if invalid:
        click.echo(f"items: {invalid} invalid")
    click.echo(f"cases: {passed} passed, {failed} failed")
    if failed or invalid:
        sys.exit(1)


def _echo_failures(where: str, report: ItemReport, verbose: bool) -> None:
    """Print one line per validation error and per failing case, with the evaluator's summary."""
    import yaml

    for error in report.errors:
        click.echo(f"{where}: 规则无效 invalid {error.path}: {error.message}")
    for result in report.failed:
        click.echo(
            f"{where}「{result.name}」: {result.message} ({result.message_en})"
            f" — 评估说明：{result.summary or '（无）'}"
        )
        if verbose:
            click.echo(yaml.safe_dump(result.to_dict(), allow_unicode=True, sort_keys=False))
