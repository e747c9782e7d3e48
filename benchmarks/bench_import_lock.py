"""How long a contacts import holds the store's write lock, and what a command started meanwhile sees.

Run: .venv/bin/python benchmarks/bench_import_lock.py [--lines N] [--members M]

Not a test: it prints figures. It builds a demo store in a temporary folder (fast test key derivation),
writes a contacts file of N lines (default 600,000), and imports it with the service while timing the
whole import and the part that holds the write lock. Then it imports the file again in a second process
and, once that process holds the lock, runs `hhdesk members list`: it should wait with a message and
succeed (exit 0, no traceback). Figures vary with the machine's load; compare runs on one machine.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path


def _write_file(path: Path, medicaid_ids: list[str], staff: str, lines: int, seed: int) -> None:
    rng = random.Random(seed)
    first = date(2024, 1, 1)
    with open(path, "w", encoding="utf-8") as out:
        out.write("medicaid_id,date,mode,minutes,staff,with_whom,core_services,note\n")
        for n in range(lines):
            day = first + timedelta(days=rng.randrange(700))
            out.write(f"{rng.choice(medicaid_ids)},{day.isoformat()},attempt,{rng.randrange(1, 60)},{staff},"
                      f"member,,bench {n}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=600_000)
    parser.add_argument("--members", type=int, default=300)
    args = parser.parse_args()
    from hhdesk.db import keyslots

    keyslots.set_new_slot_cost(keyslots.CHEAP_ARGON2)  # key derivation is not what is measured
    from hhdesk.services import caseload, contacts_import, context, users
    from hhdesk.tools.demo import DEMO_PASSWORD, DEMO_USER, build_demo_store

    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "bench.hhdesk"
        build_demo_store(store, members=args.members)
        app = users.login(store, DEMO_USER, DEMO_PASSWORD)
        ids = [row.medicaid_id for row in caseload.search(app, caseload.CaseloadQuery(limit=1_000_000))]
        csv_file = Path(folder) / "contacts.csv"
        _write_file(csv_file, ids, DEMO_USER, args.lines, seed=7)

        held: list[float] = []
        original = context.AppSession.work

        @contextmanager
        def timed_work(self, permission):  # wraps AppSession.work
            started = time.perf_counter()
            with original(self, permission) as uow:
                yield uow
            held.append(time.perf_counter() - started)

        context.AppSession.work = timed_work  # type: ignore[method-assign]
        started = time.perf_counter()
        report = contacts_import.import_contacts(app, csv_file)
        total = time.perf_counter() - started
        context.AppSession.work = original  # type: ignore[method-assign]
        app.close()
        print(f"{'import of ' + format(args.lines, ',') + ' lines:':40}{total:6.1f} s  ({report.summary()})")
        print(f"{'  of which the write lock was held:':40}{max(held):6.1f} s")

        env = dict(os.environ, HHDESK_PASSWORD=DEMO_PASSWORD)
        store_args = ["--store", str(store), "--user", DEMO_USER]
        second = Path(folder) / "second.csv"
        _write_file(second, ids, DEMO_USER, args.lines, seed=8)  # new lines (the few that collide are skipped)
        importer = subprocess.Popen([sys.executable, "-m", "hhdesk", "import", "contacts", str(second),
                                     "--skip-duplicates", *store_args], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(total - max(held) + 1)  # until the second import has checked its file and holds the lock
        started = time.perf_counter()
        listing = subprocess.run([sys.executable, "-m", "hhdesk", "members", "list", *store_args], env=env,
                                 capture_output=True, text=True)
        waited = time.perf_counter() - started
        importer.wait()
        crashed = "Traceback" in listing.stderr
        print(f"{'members list during a second import:':40}{waited:6.1f} s  exit {listing.returncode}, "
              f"{'TRACEBACK' if crashed else 'no traceback'}"
              f"{', waited with a message' if 'waiting for it' in listing.stderr else ''}")


if __name__ == "__main__":
    main()
