"""How long the care-plan packet takes to render: one packet, and a batch of 200 (goal: < 0.3 s each).

Run: .venv/bin/python benchmarks/bench_documents.py [--batch N] [--out DIR]
Not a test: it prints figures. The data are the fictional samples, varied per packet so that font
subsetting sees different names.
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace
from pathlib import Path

from hhdesk.documents import samples
from hhdesk.documents.careplan import render_care_plan
from hhdesk.documents.data import PacketDoc
from hhdesk.documents.packet import render_packet, render_packets
from hhdesk.documents.referral_letter import render_referral_letter
from hhdesk.documents.transition_summary import render_transition_summary

GOAL_SECONDS_PER_PACKET = 0.3
GIVEN_NAMES = ("José", "Nguyễn Văn", "Zoë", "Łukasz", "Ngọc Ánh", "Søren", "María José", "Đặng")
FAMILY_NAMES = ("Núñez", "Trần", "Ångström", "Wiśniewski", "Phạm", "Ørsted", "Peña", "O'Brien")


def _packets(count: int) -> list[PacketDoc]:
    base = samples.sample_packet()
    return [
        replace(
            base,
            member=replace(
                base.member,
                name=f"{GIVEN_NAMES[n % len(GIVEN_NAMES)]} {FAMILY_NAMES[(n // 3) % len(FAMILY_NAMES)]}",
                medicaid_id=f"AB{n:05d}C",
            ),
        )
        for n in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--out", type=Path, help="also write the batch's PDFs into this folder")
    args = parser.parse_args()

    letterhead = samples.sample_letterhead()
    member = samples.sample_member()

    started = time.perf_counter()
    first = render_packet(samples.sample_packet(), letterhead)
    cold = time.perf_counter() - started
    print(f"{'first packet (fonts registered, styles built):':47}{cold:.3f} s, {len(first) / 1024:.0f} KiB")

    singles = []
    for _ in range(5):
        started = time.perf_counter()
        render_packet(samples.sample_packet(), letterhead)
        singles.append(time.perf_counter() - started)
    print(f"{'one packet (warm, median of 5):':47}{statistics.median(singles):.3f} s")

    for name, render in (
        ("care plan", lambda: render_care_plan(samples.sample_care_plan(), member, letterhead)),
        ("referral letter with fax cover",
         lambda: render_referral_letter(samples.sample_referral_letter(), member, letterhead)),
        ("transition summary",
         lambda: render_transition_summary(samples.sample_transition_summary(), member, letterhead)),
    ):
        started = time.perf_counter()
        render()
        print(f"{name + ':':47}{time.perf_counter() - started:.3f} s")

    packets = _packets(args.batch)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    total_bytes = 0
    started = time.perf_counter()
    for index, packet in enumerate(packets):
        pdf = render_packet(packet, letterhead)
        total_bytes += len(pdf)
        if args.out:
            (args.out / f"packet-{index:04d}.pdf").write_bytes(pdf)
    batch = time.perf_counter() - started
    per_packet = batch / max(args.batch, 1)
    verdict = "meets" if per_packet < GOAL_SECONDS_PER_PACKET else "MISSES"
    print(
        f"{f'batch of {args.batch} packets:':47}{batch:.2f} s, {per_packet:.3f} s per packet, "
        f"{total_bytes / max(args.batch, 1) / 1024:.0f} KiB each ({verdict} the {GOAL_SECONDS_PER_PACKET} s goal)"
    )

    started = time.perf_counter()
    combined = render_packets(packets, letterhead)
    elapsed = time.perf_counter() - started
    print(
        f"{f'one combined PDF of {args.batch} packets:':47}{elapsed:.2f} s, "
        f"{elapsed / max(args.batch, 1):.3f} s per packet, {len(combined) / 1024 / 1024:.1f} MiB"
    )


if __name__ == "__main__":
    main()
