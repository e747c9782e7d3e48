"""mypy against a committed list of the errors we already have, so that the list can only shrink.

`python -m tests.mypy_baseline` runs mypy (configured under [tool.mypy] in pyproject.toml) and fails on any
error the baseline does not hold; it says so when errors of the baseline are gone, so that the next
`make mypy-baseline` shrinks it. `python -m tests.mypy_baseline --update` (`make mypy-baseline`) writes the
errors of today as the new baseline and prints what came in and what went out, for the reviewer to see.

An error is known by its file, its error code and its message, not by its line: editing a file above an old
error does not make the error new. Moving a file does (its errors are listed under the new path): after a
move, regenerate the baseline.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "tests" / "mypy-baseline.txt"

_ERROR_LINE = re.compile(r"^(?P<path>[^:\n]+\.pyi?):(?P<line>\d+)(?::\d+)?: error: (?P<message>.*?)(?:  \[(?P<code>[a-z-]+)\])?$")
# Messages that quote a line number ("already defined on line 12") would change with unrelated edits.
_LINE_REFERENCE = re.compile(r"\bline \d+\b")

_HEADER = """\
# The mypy errors hhdesk still has: file, [error code], message (no line numbers; see tests/mypy_baseline.py).
# `make lint` fails on any error not listed here. Fix errors, then `make mypy-baseline` to shrink this list;
# never add to it by hand.
"""


def error_key(path: str, code: str | None, message: str) -> str:
    """How the baseline names an error: stable under edits that move it up or down its file."""
    return f"{path.replace(chr(92), '/')}: [{code or 'misc'}] {_LINE_REFERENCE.sub('line N', message.strip())}"


def parse_mypy_output(text: str) -> list[tuple[str, str]]:
    """(key, where) for each error line of mypy's output; notes and the summary are not errors."""
    errors = []
    for line in text.splitlines():
        match = _ERROR_LINE.match(line.rstrip())
        if match:
            key = error_key(match["path"], match["code"], match["message"])
            errors.append((key, f"{match['path']}:{match['line']}"))
    return errors


def run_mypy() -> list[tuple[str, str]]:
    completed = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-pretty", "--no-error-summary", "--show-error-codes",
         "--hide-error-context", "--no-color-output"],
        cwd=ROOT, capture_output=True, text=True, check=False)
    if completed.returncode not in (0, 1):  # 2: mypy itself could not run (bad config, crash)
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"mypy could not check the code (exit status {completed.returncode}).")
    return parse_mypy_output(completed.stdout)


def read_baseline(path: Path = BASELINE) -> Counter[str]:
    if not path.exists():
        return Counter()
    lines = path.read_text(encoding="utf-8").splitlines()
    return Counter(line for line in lines if line.strip() and not line.startswith("#"))


def write_baseline(errors: Counter[str], path: Path = BASELINE) -> None:
    path.write_text(_HEADER + "".join(f"{key}\n" for key in sorted(errors.elements())), encoding="utf-8")


def compare(found: list[tuple[str, str]], baseline: Counter[str]) -> tuple[list[str], Counter[str]]:
    """What is new (an error with its place; an error found more often than listed, with all its places),
    and the baseline's errors that are gone."""
    current = Counter(key for key, _where in found)
    new: list[str] = []
    for key, count in current.items():
        if count <= baseline[key]:
            continue
        places = [where for other, where in found if other == key]
        what = key.split(": ", 1)[1]
        if baseline[key]:
            new.append(f"{', '.join(places)}: {what} (found {count} times, listed {baseline[key]})")
        else:
            new.extend(f"{where}: {what}" for where in places)
    return new, baseline - current


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="write today's errors as the baseline")
    args = parser.parse_args(argv)
    found = run_mypy()
    baseline = read_baseline()
    new, gone = compare(found, baseline)
    if args.update:
        write_baseline(Counter(key for key, _where in found))
        print(f"mypy baseline: {len(found)} errors ({sum(gone.values())} gone; added:{' none' if not new else ''}).")
        for line in new:
            print(f"  added: {line}")
        return 0
    if new:
        print(f"mypy found errors that {BASELINE.relative_to(ROOT)} does not list; fix them:")
        for line in new:
            print(f"  {line}")
    if gone:
        print(f"mypy: {sum(gone.values())} error(s) of the baseline are fixed; run `make mypy-baseline` to "
              "shrink it.")
    if not new:
        print(f"mypy: no new errors ({len(found)} known ones in the baseline).")
    return 1 if new else 0


if __name__ == "__main__":
    raise SystemExit(main())
