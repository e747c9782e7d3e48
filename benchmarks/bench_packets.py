"""How long care-plan packets take from the store: one packet, and a batch of 200 (goal: under 0.3 s each).

Run: .venv/bin/python benchmarks/bench_packets.py [--members N] [--out DIR] [--store FILE --user U]

Not a test: it prints figures. By default it builds a demo store (``hhdesk.tools.demo.build_demo_store``) with
200 members in a temporary folder, logs in as the demo administrator, and times what the window and the
CLI do: reading a member's packet from the store (the read model), rendering it, and a batch of every
member into a folder and into one combined PDF, each packet audited. The temporary store is made with the
fast test key derivation, so that building it takes a second; the timings do not depend on it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

GOAL_SECONDS_PER_PACKET = 0.3


def _open(args: argparse.Namespace, folder: Path):  # an AppSession
    from hhdesk.services import users

    if args.store:
        password = os.environ.get("HHDESK_PASSWORD") or ""
        return users.login(args.store, args.user, password)
    from hhdesk.db import keyslots

    keyslots.set_new_slot_cost(keyslots.CHEAP_ARGON2)  # key derivation is not what is measured
    from hhdesk.tools.demo import DEMO_PASSWORD, DEMO_USER, build_demo_store

    path = folder / "demo.hhdesk"
    started = time.perf_counter()
    build_demo_store(path, members=args.members)
    print(f"{'demo store of ' + str(args.members) + ' members built:':47}{time.perf_counter() - started:.1f} s")
    return users.login(path, DEMO_USER, DEMO_PASSWORD)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200, help="members in the demo store (default 200)")
    parser.add_argument("--out", type=Path, help="keep the batch's PDFs in this folder")
    parser.add_argument("--store", type=Path, help="time an existing store instead (password: $HHDESK_PASSWORD)")
    parser.add_argument("--user", default="demo")
    args = parser.parse_args()

    from hhdesk.services import caseload, printing

    with tempfile.TemporaryDirectory(prefix="hhdesk-bench-") as temp:
        folder = Path(temp)
        app = _open(args, folder)
        try:
            rows = caseload.search(app, caseload.CaseloadQuery(limit=1_000_000))
            member_ids = [row.member_id for row in rows]
            with_plan = [m for m in member_ids if printing.packet_parts(app, m).version_no is not None]
            sample = with_plan[0] if with_plan else member_ids[0]
            print(f"{'members in the store:':47}{len(member_ids)} ({len(with_plan)} with a care plan)")

            started = time.perf_counter()
            first = printing.packet_pdf(app, sample)
            print(f"{'first packet (fonts registered, styles built):':47}{time.perf_counter() - started:.3f} s, "
                  f"{len(first) / 1024:.0f} KiB")

            reads, totals = [], []
            for member_id in with_plan[:20] or member_ids[:20]:
                started = time.perf_counter()
                printing.packet_parts(app, member_id)
                reads.append(time.perf_counter() - started)
                started = time.perf_counter()
                printing.packet_pdf(app, member_id)
                totals.append(time.perf_counter() - started)
            print(f"{'packet read model from the store (median):':47}{statistics.median(reads) * 1000:.1f} ms")
            print(f"{'one packet, read + render + audit (median):':47}{statistics.median(totals):.3f} s "
                  f"(slowest {max(totals):.3f} s)")

            out_dir = args.out or folder / "packets"
            started = time.perf_counter()
            result = printing.print_packets(app, member_ids=member_ids, out_dir=out_dir)
            batch = time.perf_counter() - started
            per_packet = batch / max(result.printed, 1)
            verdict = "meets" if per_packet < GOAL_SECONDS_PER_PACKET else "MISSES"
            size = sum(p.stat().st_size for p in result.files) / max(len(result.files), 1) / 1024
            print(f"{f'batch of {result.printed} packets into a folder:':47}{batch:.2f} s, {per_packet:.3f} s "
                  f"per packet, {size:.0f} KiB each ({verdict} the {GOAL_SECONDS_PER_PACKET} s goal)")

            combined = folder / "all.pdf"
            started = time.perf_counter()
            printing.print_packets(app, member_ids=member_ids, combined_file=combined)
            elapsed = time.perf_counter() - started
            print(f"{f'one combined PDF of {len(member_ids)} packets:':47}{elapsed:.2f} s, "
                  f"{elapsed / max(len(member_ids), 1):.3f} s per packet, "
                  f"{combined.stat().st_size / 1024 / 1024:.1f} MiB")
        finally:
            app.close()


if __name__ == "__main__":
    main()
