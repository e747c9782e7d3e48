"""The mypy baseline holds the code to the errors it lists, whatever line they move to."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.mypy_baseline import BASELINE, compare, parse_mypy_output, read_baseline, write_baseline

OUTPUT = """\
hhdesk/a.py:10: error: Item "None" of "X | None" has no attribute "y"  [union-attr]
hhdesk/a.py:12: note: See https://mypy.readthedocs.io/en/stable/
hhdesk/b.py:3:5: error: Name "f" already defined on line 1  [no-redef]
hhdesk/a.py:40: error: Item "None" of "X | None" has no attribute "y"  [union-attr]
"""


def test_errors_are_named_by_file_code_and_message_without_lines() -> None:
    keys = [key for key, _where in parse_mypy_output(OUTPUT)]
    assert keys == [
        'hhdesk/a.py: [union-attr] Item "None" of "X | None" has no attribute "y"',
        'hhdesk/b.py: [no-redef] Name "f" already defined on line N',
        'hhdesk/a.py: [union-attr] Item "None" of "X | None" has no attribute "y"',
    ]


def test_an_error_that_moved_to_another_line_is_not_new(tmp_path: Path) -> None:
    baseline_file = tmp_path / "baseline.txt"
    write_baseline(Counter(key for key, _ in parse_mypy_output(OUTPUT)), baseline_file)
    moved = OUTPUT.replace("a.py:10:", "a.py:110:").replace("on line 1", "on line 7")
    new, gone = compare(parse_mypy_output(moved), read_baseline(baseline_file))
    assert new == [] and not gone


def test_an_error_found_more_often_than_listed_is_new_and_shows_every_place() -> None:
    baseline = Counter(key for key, _ in parse_mypy_output(OUTPUT))
    third = OUTPUT + 'hhdesk/a.py:77: error: Item "None" of "X | None" has no attribute "y"  [union-attr]\n'
    new, gone = compare(parse_mypy_output(third), baseline)
    assert new == ['hhdesk/a.py:10, hhdesk/a.py:40, hhdesk/a.py:77: [union-attr] Item "None" of "X | None" has no '
                   'attribute "y" (found 3 times, listed 2)']
    assert not gone


def test_fixed_errors_are_reported_as_room_to_shrink() -> None:
    baseline = Counter(key for key, _ in parse_mypy_output(OUTPUT))
    fixed = "\n".join(line for line in OUTPUT.splitlines() if "b.py" not in line)
    new, gone = compare(parse_mypy_output(fixed), baseline)
    assert new == []
    assert list(gone.elements()) == ['hhdesk/b.py: [no-redef] Name "f" already defined on line N']


def test_the_committed_baseline_is_sorted_and_written_by_the_tool() -> None:
    baseline = read_baseline()
    listed = [line for line in BASELINE.read_text(encoding="utf-8").splitlines()
              if line and not line.startswith("#")]
    assert listed == sorted(baseline.elements())


def test_an_error_the_baseline_lacks_is_new_with_its_line() -> None:
    new, _gone = compare(parse_mypy_output(OUTPUT), Counter())
    assert new[1] == 'hhdesk/a.py:40: [union-attr] Item "None" of "X | None" has no attribute "y"'
    assert new[2] == 'hhdesk/b.py:3: [no-redef] Name "f" already defined on line N'
