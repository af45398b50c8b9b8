"""Long CLI work says how far it is: a bar redrawn in place on a terminal, lines otherwise."""

from __future__ import annotations

import io

from api.commands import progress as progress_module
from api.commands.progress import CountingReader, Reporter


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_a_line_per_stage_at_most_every_interval_and_at_the_end(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    clock = iter([0.0, 0.0, 1.0, 11.0, 12.0, 13.0, 14.0])
    monkeypatch.setattr(progress_module.time, "monotonic", lambda: next(clock))
    out = io.StringIO()
    report = Reporter(out, every=10.0)
    report("导入 a.jsonl", 0, 100)  # a new stage: a line
    report("导入 a.jsonl", 10, 100)  # 1 s later: none
    report("导入 a.jsonl", 50, 100)  # 11 s after the last line: one
    report("导入 a.jsonl", 60, 100)  # none
    report("导入 a.jsonl", 100, 100)  # the end: one
    report("个人：读取画像", 0, 0)  # a stage without a total
    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("导入 a.jsonl [") and lines[0].endswith("0/100")
    assert "50.0% 50/100" in lines[1] and "100.0% 100/100" in lines[2]
    assert lines[3].startswith("个人：读取画像 …")


def test_a_terminal_gets_one_bar_redrawn_in_place() -> None:
    out = Terminal()
    report = Reporter(out)
    for done in range(0, 101, 25):
        report("演示个人", done, 100)
    text = out.getvalue()
    assert text.count("\r") == 5 and text.count("\n") == 1  # one line, ended when done
    assert "[##############################] 100.0% 100/100" in text


def test_an_import_reports_the_bytes_read() -> None:
    seen: list[tuple[str, int, int]] = []
    data = b'{"a": 1}\n{"a": 2}\n'
    reader = CountingReader(io.BytesIO(data), len(data), lambda *a: seen.append(a), "导入")  # type: ignore[arg-type]
    assert list(reader) == [b'{"a": 1}\n', b'{"a": 2}\n']
    assert seen == [("导入", 9, 18), ("导入", 18, 18)]
