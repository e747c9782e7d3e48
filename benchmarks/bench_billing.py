"""How long the billing preview and the exports take on a large store (goal: preview < 2 s at 10,000 members
and 500,000 contacts).

Run: .venv/bin/python benchmarks/bench_billing.py [--members 10000] [--contacts-per-member 50] [--months 24]
                                                  [--runs 5] [--store FILE]
Not a test: it prints figures. It builds the store with `hhdesk.tools.demo.build_demo_store` (falling back to the
synthetic builder in tests/billing_store.py if the demo module is missing), in a temporary folder unless
--store names a file (built if absent, reused if present: building 500,000 contacts takes a while).
It times: the preview of the last full month (median of --runs, after one first run that is reported apart),
the CSV export, and the 837I export through the service. A claim file holds at most 5,000 claims (the
writer's limit, from the implementation guides); when the month has more, the service refuses and the
benchmark also times the writer on the first 5,000 billable rows, the most one file can hold.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hhdesk.db import keyslots  # noqa: E402

keyslots.set_new_slot_cost(keyslots.CHEAP_ARGON2)  # key derivation is not what is measured

from hhdesk.domain.service_month import ServiceMonth  # noqa: E402
from hhdesk.errors import ValidationFailed  # noqa: E402
from hhdesk.exports.x12 import MAX_CLAIMS_PER_TRANSACTION, ControlNumbers, write_837  # noqa: E402
from hhdesk.services import billing, settings, users  # noqa: E402
from hhdesk.services.context import AppSession  # noqa: E402

GOAL_SECONDS = 2.0


def build(path: Path, members: int, contacts_per_member: int, months: int) -> tuple[str, str]:
    """Build the store; returns the user and password to log in with."""
    try:
        from hhdesk.tools.demo import DEMO_PASSWORD, DEMO_USER, build_demo_store
    except ImportError:
        build_demo_store = None  # type: ignore[assignment]
    started = time.perf_counter()
    if build_demo_store is not None:
        build_demo_store(path, members=members, contacts_per_member=contacts_per_member, months=months,
                         progress=lambda text: print(f"  {text}", flush=True))
        credentials = (DEMO_USER, DEMO_PASSWORD)
        how = "hhdesk.tools.demo.build_demo_store"
    else:
        from hhdesk.services.settings import AgencyInfo
        from tests.billing_store import fill_billing_store

        credentials = ("bench", "benchmark passphrase 1")
        users.create_store(path, AgencyInfo(name="Benchmark Health Home"), *credentials)
        app = users.login(path, *credentials)
        try:
            fill_billing_store(app.store, members=members, contacts_per_member=contacts_per_member, months=months)
        finally:
            app.close()
        how = "tests/billing_store.fill_billing_store"
    print(f"Built the store with {how} in {time.perf_counter() - started:.1f} s", flush=True)
    return credentials


def count_rows(app: AppSession) -> tuple[int, int]:
    from sqlalchemy import func, select

    from hhdesk.db.models import Contact, Member

    with app.read(None) as session:
        return (session.execute(select(func.count()).select_from(Member)).scalar_one(),
                session.execute(select(func.count()).select_from(Contact)).scalar_one())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--contacts-per-member", type=int, default=50)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--store", type=Path, help="reuse (or build and keep) the store at this path")
    parser.add_argument("--user", help="with --store: who logs in (default: the demo admin)")
    parser.add_argument("--password", help="with --store: the password")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="hhdesk-bench-") as folder:
        os.environ.setdefault("HHDESK_DATA_DIR", str(Path(folder) / "data"))
        path = args.store or Path(folder) / "bench.hhdesk"
        if path.exists():
            credentials = (args.user or "demo", args.password or "demo-password")
            print(f"Reusing {path}")
        else:
            credentials = build(path, args.members, args.contacts_per_member, args.months)
        app = users.login(path, *credentials)
        try:
            return run(app, Path(folder), args.runs)
        finally:
            app.close()


def run(app: AppSession, folder: Path, runs: int) -> int:
    members, contacts = count_rows(app)
    month = ServiceMonth.of(datetime.now().date()).previous()
    print(f"Store: {members:,} members, {contacts:,} contacts; month {month}; {os.cpu_count()} CPUs")

    started = time.perf_counter()
    result = billing.preview(app, month)
    first = time.perf_counter() - started
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = billing.preview(app, month)
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(f"Preview: {len(result.rows):,} member-months, {result.billable_count:,} billable, "
          f"{result.not_billable_count:,} not billable")
    print(f"  first run {first:.2f} s; median of {runs} {median:.2f} s (runs: "
          f"{', '.join(f'{t:.2f}' for t in times)}); goal < {GOAL_SECONDS:.0f} s: "
          f"{'met' if median < GOAL_SECONDS else 'MISSED'}")

    started = time.perf_counter()
    run_info = billing.export(app, month, "csv", folder / "month.csv",
                              reason="benchmark")
    print(f"CSV export (service, includes the preview): {time.perf_counter() - started:.2f} s, "
          f"{run_info.member_months:,} rows")

    started = time.perf_counter()
    try:
        run_info = billing.export(app, month, "837i", folder / "month.x12", reason="benchmark")
        print(f"837I export (service, includes the preview): {time.perf_counter() - started:.2f} s, "
              f"{run_info.billable_count:,} claims")
    except ValidationFailed as exc:
        print(f"837I export (service) refused after {time.perf_counter() - started:.2f} s: {exc}")
        rows = [row for row in result.billing_rows if row.billable and row.diagnosis_codes]
        rows = rows[:MAX_CLAIMS_PER_TRANSACTION]
        with app.read(None) as session:
            values = settings.read_all(session)
        profile = billing.profile_from_settings(values)
        claim_settings = billing.claim_settings_from(values)
        started = time.perf_counter()
        claim_file = write_837(rows, claim_settings, profile, ControlNumbers(1, 1), datetime.now())
        print(f"837I writer alone on {claim_file.claim_count:,} claims (one file's maximum): "
              f"{time.perf_counter() - started:.2f} s, {len(claim_file.data) / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
