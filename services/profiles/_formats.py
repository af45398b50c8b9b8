"""Reading profile batches (JSON Lines, CSV, JSON rows) into records, one subject each, by line.

A record has the JSON Lines shape: {"id_number" | "uscc", "name", "phone", "facts": {...}},
and for an enterprise optionally its legal representative ("legal_representative_name",
"legal_representative_id_number").
Files are read line by line from a binary stream, so a 20 MB upload is never one Python object.
Conventions (docs/profile-import.md): CSV cells are text; the fact's type says how to read them.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from rules.catalog import Fact, Facts, FactType
from rules.values import UNSTORABLE_ESCAPE, UNSTORABLE_TEXT_MESSAGE, unstorable_path

IDENTITY_FIELD = {"person": "id_number", "enterprise": "uscc"}
IDENTITY_LABEL = {"person": "身份证号", "enterprise": "统一社会信用代码"}
REPRESENTATIVE_FIELDS = ("legal_representative_name", "legal_representative_id_number")
# Fields of a record besides its identifier and facts, per kind.
RECORD_FIELDS = {
    "person": ("name", "phone"),
    "enterprise": ("name", "phone", *REPRESENTATIVE_FIELDS),
}
# Fields whose CSV cell "null" deletes the stored value (merge mode), as for facts.
NULLABLE_FIELDS = ("phone", *REPRESENTATIVE_FIELDS)
FORMATS = ("jsonl", "csv")
NULL_CELL = "null"  # a CSV cell that deletes the fact (merge mode)
EMPTY_TAGS_CELL = "[]"  # a CSV cell for an empty tag set ("known: none of them")
TAG_SEPARATOR = "|"
_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_SUSPECT_ESCAPE = re.compile(UNSTORABLE_ESCAPE)


@dataclass(slots=True)
class RawRow:
    """One record as read, before any check; `errors` holds what reading it already found."""

    line: int
    record: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)


class FileProblem(Exception):
    """The file as a whole cannot be read (empty, bad header, broken CSV): no row is usable."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def format_of(filename: str) -> str:
    """Return "jsonl" or "csv" from a file name's extension, or raise ValueError in Chinese."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix in ("jsonl", "ndjson"):
        return "jsonl"
    if suffix == "csv":
        return "csv"
    raise ValueError(f"无法从文件名「{filename}」判断格式，应为 .jsonl 或 .csv 文件")


def read_rows(lines: Iterable[bytes], *, facts: Facts, fmt: str) -> Iterator[RawRow]:
    """Return the records of a JSON Lines or CSV byte stream (any iterable of lines)."""
    if fmt == "jsonl":
        return read_jsonl(lines)
    if fmt == "csv":
        return read_csv(lines, facts=facts)
    raise ValueError(f"未知的格式：{fmt}")


def read_jsonl(lines: Iterable[bytes]) -> Iterator[RawRow]:
    """Yield one record per non-blank line of JSON Lines."""
    for number, text, readable in _decoded(lines):
        if not readable:
            yield RawRow(number, {}, {"line": ["该行不是有效的 UTF-8 文本"]})
        elif text.strip():
            yield _json_record(number, text)


def read_json_rows(rows: Iterable[Any]) -> Iterator[RawRow]:
    """Yield the records of a JSON body's `rows`, numbered from 1."""
    for number, record in enumerate(rows, start=1):
        if isinstance(record, dict):
            yield RawRow(number, record)
        else:
            yield RawRow(number, {}, {"line": ["每一行应为一个 JSON 对象"]})


def _json_record(number: int, text: str) -> RawRow:
    try:
        record = _DECODER.decode(text)
    except ValueError as exc:
        reason = f"（第{exc.colno}列：{exc.msg}）" if isinstance(exc, json.JSONDecodeError) else ""
        return RawRow(number, {}, {"line": [f"该行不是有效的 JSON{reason}"]})
    if not isinstance(record, dict):
        return RawRow(number, {}, {"line": ["每一行应为一个 JSON 对象"]})
    # Only an escape can put a NUL or a lone surrogate into parsed text; such text would reach
    # the report's messages and the database (api.input_guard does this for request bodies).
    if _SUSPECT_ESCAPE.search(text) and unstorable_path(record) is not None:
        return RawRow(number, {}, {"line": [f"该行{UNSTORABLE_TEXT_MESSAGE}"]})
    return RawRow(number, record)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"JSON 不允许 {name}")


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def _decoded(lines: Iterable[bytes]) -> Iterator[tuple[int, str, bool]]:
    """Yield (line number, text, whether it was valid UTF-8) per line."""
    for number, raw in enumerate(lines, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):  # a BOM, as Excel writes
            raw = raw[3:]
        try:
            yield number, raw.decode("utf-8"), True
        except UnicodeDecodeError:
            yield number, raw.decode("utf-8", "replace"), False


def read_csv(lines: Iterable[bytes], *, facts: Facts) -> Iterator[RawRow]:
    """Yield one record per CSV row; the header names the identity columns and the facts."""
    bad_lines: set[int] = set()

    def texts() -> Iterator[str]:
        for number, text, readable in _decoded(lines):
            if not readable:
                bad_lines.add(number)
            yield text

    reader = csv.reader(texts())
    try:
        header = next(reader, None)
        if header is None:
            raise FileProblem(1, "文件为空，没有表头")
        if bad_lines:
            raise FileProblem(1, "表头不是有效的 UTF-8 文本，文件应以 UTF-8 编码保存")
        columns = _columns(header, facts)
        previous = reader.line_num
        for cells in reader:
            start, previous = previous + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            errors: dict[str, list[str]] = {}
            if bad_lines.intersection(range(start, previous + 1)):
                errors["line"] = ["该行不是有效的 UTF-8 文本"]
            elif len(cells) != len(columns):
                errors["line"] = [f"应有 {len(columns)} 列，实有 {len(cells)} 列"]
            elif any("\x00" in cell for cell in cells):
                errors["line"] = [f"该行{UNSTORABLE_TEXT_MESSAGE}"]
            if errors:
                yield RawRow(start, {}, errors)
                continue
            yield RawRow(start, _csv_record(columns, cells))
    except csv.Error as exc:
        raise FileProblem(reader.line_num, f"第{reader.line_num}行无法按 CSV 读取：{exc}") from None


def _columns(header: list[str], facts: Facts) -> list[tuple[str, Fact | None]]:
    """Check the header; return (column, fact or None for identity columns) per column."""
    kind = facts.kind
    identity = IDENTITY_FIELD[kind]
    names = [name.strip() for name in header]
    problems = []
    for required in (identity, "name"):
        if required not in names:
            problems.append(f"缺少「{required}」列")
    problems += [f"「{name}」列重复" for name in sorted({n for n in names if names.count(n) > 1})]
    columns: list[tuple[str, Fact | None]] = []
    for name in names:
        fact = None
        if name != identity and name not in RECORD_FIELDS[kind]:
            fact = facts.get(name)
            if fact is None:
                problems.append(f"未知的列「{name}」")
            elif fact.derived:
                problems.append(f"「{name}」（{fact.label}）由其他指标推算，不能导入")
        columns.append((name, fact))
    if problems:
        raise FileProblem(1, "表头有误：" + "；".join(problems))
    return columns


def _csv_record(columns: list[tuple[str, Fact | None]], cells: list[str]) -> dict[str, Any]:
    """Return the JSON Lines shape of one CSV row; empty cells are left out."""
    record: dict[str, Any] = {}
    facts: dict[str, Any] = {}
    for (name, fact), cell in zip(columns, cells, strict=True):
        if not cell or not (text := cell.strip()):
            continue
        if fact is None:
            record[name] = None if text == NULL_CELL and name in NULLABLE_FIELDS else text
        elif text == NULL_CELL:
            facts[name] = None
        else:
            facts[name] = _READERS.get(fact.type, _text)(text)
    record["facts"] = facts
    return record


def cell_value(fact: Fact, text: str) -> Any:
    """Return a CSV cell as the JSON value its fact takes; unreadable text is left for the check."""
    return _READERS.get(fact.type, _text)(text)


def _text(text: str) -> Any:
    return text


def _integer(text: str) -> Any:
    return int(text) if _INTEGER.fullmatch(text) else text


def _decimal(text: str) -> Any:
    return float(text) if _DECIMAL.fullmatch(text) else text


def _boolean(text: str) -> Any:
    return {"true": True, "false": False}.get(text.lower(), text)


def _tags(text: str) -> Any:
    if text == EMPTY_TAGS_CELL:
        return []
    return [tag.strip() for tag in text.split(TAG_SEPARATOR) if tag.strip()]


_READERS = {
    FactType.INTEGER: _integer,
    FactType.MONEY: _integer,
    FactType.DECIMAL: _decimal,
    FactType.PERCENT: _decimal,
    FactType.YEAR: _integer,
    FactType.BOOLEAN: _boolean,
    FactType.TAGS: _tags,
}
