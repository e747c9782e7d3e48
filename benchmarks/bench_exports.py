"""How long list exports take: the whole caseload and the counts per care manager, as .xlsx and as CSV.

Run: .venv/bin/python benchmarks/bench_exports.py [--members N] [--store FILE --user U]

Not a test: it prints figures. By default it builds a demo store of 2,000 members in a temporary folder
(fast test key derivation; the timings do not depend on it), logs in as the demo administrator and times
what Export… in the window does for the caseload: every member through the table writer to a file, audited;
and the supervisor's counts per care manager (one grouped query).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date
from pathlib import Path


def _open(args: argparse.Namespace, folder: Path):  # an AppSession
    from hhdesk.services import users

    if args.store:
        return users.login(args.store, args.user, os.environ.get("HHDESK_PASSWORD") or "")
    from hhdesk.db import keyslots

    keyslots.set_new_slot_cost(keyslots.CHEAP_ARGON2)  # key derivation is not what is measured
    from hhdesk.tools.demo import DEMO_PASSWORD, DEMO_USER, build_demo_store

    path = folder / "demo.hhdesk"
    started = time.perf_counter()
    build_demo_store(path, members=args.members)
    print(f"{'demo store of ' + str(args.members) + ' members built:':44}{time.perf_counter() - started:.1f} s")
    return users.login(path, DEMO_USER, DEMO_PASSWORD)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000, help="members in the demo store (default 2000)")
    parser.add_argument("--store", type=Path, help="time an existing store instead (password: $HHDESK_PASSWORD)")
    parser.add_argument("--user", default="demo")
    args = parser.parse_args()

    from hhdesk.exports.tables import Table, TableFormat, Workbook
    from hhdesk.services import caseload, caseload_counts, list_exports
    from hhdesk.services.list_exports import ListKind

    with tempfile.TemporaryDirectory(prefix="hhdesk-bench-") as temp:
        folder = Path(temp)
        app = _open(args, folder)
        try:
            started = time.perf_counter()
            rows = caseload.search(app, caseload.CaseloadQuery(limit=1_000_000))
            read = time.perf_counter() - started
            print(f"{'caseload read (' + format(len(rows), ',') + ' members):':44}{read:.2f} s")
            table = Table("Caseload", ["Name", "Medicaid ID", "Date of birth", "Status", "Tier", "Care manager"],
                          [[f"{r.last_name}, {r.first_name}", r.medicaid_id, r.dob, r.status.value, r.tier,
                            r.care_manager_name] for r in rows])
            for table_format in TableFormat:
                out = folder / f"caseload{table_format.suffix}"
                started = time.perf_counter()
                done = list_exports.export_list(app, ListKind.CASELOAD, "Caseload", Workbook([table]), out,
                                                table_format)
                took = time.perf_counter() - started
                print(f"{'caseload written as ' + table_format.value + ', audited:':44}{took:.2f} s "
                      f"({out.stat().st_size // 1024:,} KB, {done.rows:,} rows)")
            started = time.perf_counter()
            counts = caseload_counts.care_manager_counts(app, date.today())
            took = time.perf_counter() - started
            print(f"{'counts per care manager (' + str(len(counts.rows)) + ' rows):':44}{took:.2f} s")
        finally:
            app.close()


if __name__ == "__main__":
    main()
