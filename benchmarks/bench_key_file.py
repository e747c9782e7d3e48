"""The key file under pressure: logins racing rotate-key, and wrong passwords guessed all at once.

Run: .venv/bin/python benchmarks/bench_key_file.py [--rotations 50] [--ballast-mb 32] [--guessers 100]
Not a test: it prints figures (tests/faults/ holds the same probes, fewer times, as pass/fail tests).

- Rotation race: for each run a fresh store (an administrator, a care manager, `--ballast-mb` of data so that
  the re-encryption takes a while); a second process logs the care manager in every 0.1 s while the
  administrator runs rotate-key in a third. Afterwards both passwords and the recovery key must open the
  store and read its data, else the store counts as lost. Reports stores lost, tracebacks, and how many
  logins overlapped a rotation.
- Parallel guesses: `--guessers` separate processes each try one wrong password for the care manager at the
  same moment. Reports whether the account ended locked, how many guesses were tried against the password
  (the rest were refused unseen), and how many failed-login events the key file kept.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hhdesk.db import keyslots  # noqa: E402

keyslots.set_new_slot_cost(keyslots.CHEAP_ARGON2)  # the race is the subject, not the key derivation

from tests.faults.conftest import make_store  # noqa: E402
from tests.faults.test_account_faults import guess_in_parallel  # noqa: E402
from tests.faults.test_rotation_faults import race_logins_through_a_rotation  # noqa: E402


def rotation_race(runs: int, ballast_mb: int) -> dict[str, object]:
    lost = tracebacks = overlapping = logins = failed_rotations = 0
    refusals: set[str] = set()
    seconds: list[float] = []
    for run in range(runs):
        with tempfile.TemporaryDirectory(prefix="hhdesk-race-") as folder:
            result = race_logins_through_a_rotation(Path(folder), ballast_mb=ballast_mb)
        lost += bool(result["lost"])
        tracebacks += len(result["tracebacks"])
        overlapping += int(result["logins_overlapping_rotation"])
        logins += int(result["logins"])
        failed_rotations += result["rotation_exit"] != 0
        refusals |= set(result["refusals"])
        seconds.append(float(result["rotation_seconds"]))
        print(f"  run {run + 1:2d}: lost={result['lost']} logins={result['logins']} "
              f"during rotation={result['logins_overlapping_rotation']} rotation {result['rotation_seconds']} s",
              flush=True)
    return {"runs": runs, "stores_lost": lost, "tracebacks": tracebacks, "rotations_failed": failed_rotations,
            "logins": logins, "logins_overlapping_a_rotation": overlapping, "refusals": sorted(refusals),
            "rotation_seconds_median": sorted(seconds)[len(seconds) // 2] if seconds else None}


def parallel_guesses(guessers: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="hhdesk-guess-") as folder:
        store = make_store(Path(folder))
        started = time.perf_counter()
        result = guess_in_parallel(store.path, Path(folder), processes=guessers, threads=1)
        result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rotations", type=int, default=50)
    parser.add_argument("--ballast-mb", type=int, default=32)
    parser.add_argument("--guessers", type=int, default=100)
    args = parser.parse_args()
    if args.rotations:
        print(f"Rotation race: {args.rotations} runs, {args.ballast_mb} MB of data, a login every 0.1 s", flush=True)
    race = rotation_race(args.rotations, args.ballast_mb)
    if args.rotations:
        print(json.dumps(race, indent=1))
    print(f"Parallel guesses: {args.guessers} processes, one wrong password each, all at once", flush=True)
    guesses = parallel_guesses(args.guessers)
    print(json.dumps(guesses, indent=1))
    return 0 if race["stores_lost"] == 0 and race["tracebacks"] == 0 and guesses["locked"] else 1


if __name__ == "__main__":
    sys.exit(main())
