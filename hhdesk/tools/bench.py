"""`hhdesk bench`: how fast hhdesk is at agency scale, against its performance goals (docs/performance.md).

It builds a synthetic store (``hhdesk.tools.demo.build_demo_store``: by default 10,000 members, 50 contacts each
over 24 months, transition episodes for about one member in five, 3 referrals each) in a temporary folder,
or reuses the store named by ``--store``, then times what a user waits for, each over repeated runs:

- cold start: a fresh ``python -m hhdesk gui`` until the login window is shown (``HHDESK_EXIT_WHEN_SHOWN``
  makes the window print the moment and quit, see ``hhdesk.ui.app``);
- unlock: ``users.login`` (Argon2id key slot with the real parameters, key check, migration check);
- the caseload search, one keystroke at a time, typing a surname and a Medicaid ID;
- a member's chart with the data of every tab, for randomly chosen members;
- a care-plan packet PDF; the billing preview of the last full month and its 837I export; a backup;
- resident memory of a fresh process that logs in in the real window (offscreen), shows the caseload and
  opens charts (then shows every tab of each, then searches an ICD-10 code);
- and the same read queries against a plain SQLite copy of the same data (``sqlcipher_export``), as a
  ratio encrypted / plain.

Figures are printed beside their goals with ``met`` or ``missed`` and written to a JSON file; nothing is
asserted, since a slow machine must not fail anything. The store is synthetic: no member data is involved.
Medians and 95th percentiles use the nearest-rank method, so with five runs the p95 is the slowest run.
"""

from __future__ import annotations

import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hhdesk import __version__
from hhdesk.clock import SYSTEM_CLOCK, seconds_since_epoch

if TYPE_CHECKING:
    from hhdesk.domain.service_month import ServiceMonth
    from hhdesk.services.context import AppSession

Progress = Callable[[str], None]

EXIT_WHEN_SHOWN_ENV = "HHDESK_EXIT_WHEN_SHOWN"  # read by hhdesk.ui.app.run_gui
PROBE_PASSWORD_ENV = "HHDESK_BENCH_PASSWORD"
COLD_START_RUNS = 5
SURNAME = "Martinez"  # typed as a user would, without the accent: the name key folds it


# ---- figures and goals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Goal:
    """A limit on one statistic of a figure: ``p95 < 30`` ms, ``median <= 1.3``."""

    statistic: str  # "median" | "p95" | "value" (a figure measured once: memory, a ratio)
    limit: float
    inclusive: bool = False

    def text(self, unit: str) -> str:
        prefix = "" if self.statistic == "value" else self.statistic + " "
        return f"{prefix}{'≤' if self.inclusive else '<'} {_number(self.limit)} {unit}".rstrip()

    def met_by(self, value: float) -> bool:
        return value <= self.limit if self.inclusive else value < self.limit


GOALS: dict[str, Goal] = {
    "cold_start": Goal("median", 1.5),
    "search_name": Goal("p95", 30),
    "search_medicaid_id": Goal("p95", 30),
    "search_keystroke_window": Goal("p95", 30),
    "chart": Goal("p95", 150),
    "packet": Goal("median", 0.3),
    "billing_preview": Goal("median", 2.0),
    "memory": Goal("value", 300),
    "memory_every_tab": Goal("value", 300),
    "ratio_search": Goal("value", 1.3, inclusive=True),
    "ratio_chart": Goal("value", 1.3, inclusive=True),
    "ratio_billing_preview": Goal("value", 1.3, inclusive=True),
    "ratio_all_reads": Goal("value", 1.3, inclusive=True),
    # Agency mode under load (hhdesk.tools.bench_server): the same search and chart goals, for 25 workstations
    # working at once with the server on the same machine.
    "load25_search": Goal("p95", 30),
    "load25_chart": Goal("p95", 150),
}
"""The performance goals (docs/performance.md), by figure key. Figures without a goal are printed for information."""


def load_average() -> float | None:
    """The machine's one-minute load average (None on Windows): other programs on the same cores slow every
    figure, so each figure carries the load it was measured under."""
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def nearest_rank(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest sample with ``fraction`` of the samples at or below it."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass(frozen=True)
class Figure:
    """One measured quantity: its samples, in ``unit``, and the goal it is judged against (if any)."""

    key: str
    label: str
    unit: str  # "ms", "s", "MB" or "×" (a ratio)
    samples: tuple[float, ...]
    note: str = ""
    load: float | None = field(default_factory=load_average)  # the machine's, when the figure was taken

    @property
    def goal(self) -> Goal | None:
        return GOALS.get(self.key)

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def p95(self) -> float | None:
        return nearest_rank(self.samples, 0.95) if self.samples else None

    @property
    def judged(self) -> float | None:
        if self.goal is None:
            return None
        return self.p95 if self.goal.statistic == "p95" else self.median

    @property
    def result(self) -> str:
        """``met``, ``missed``, ``not measured`` (a goal but no samples) or "" (no goal)."""
        if self.goal is None:
            return ""
        value = self.judged
        if value is None:
            return "not measured"
        return "met" if self.goal.met_by(value) else "missed"

    def to_json(self) -> dict[str, Any]:
        goal = self.goal
        return {
            "key": self.key, "label": self.label, "unit": self.unit, "runs": len(self.samples),
            "median": _rounded(self.median), "p95": _rounded(self.p95),
            "goal": None if goal is None else {"statistic": goal.statistic, "limit": goal.limit,
                                               "inclusive": goal.inclusive, "text": goal.text(self.unit)},
            "result": self.result or None, "note": self.note, "load_average": self.load,
            "samples": [_rounded(s) for s in self.samples],
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}" if value >= 0.1 else f"{value:.3f}"


@dataclass
class BenchReport:
    """Everything one run of the bench found: the figures, what they were measured on, and notes."""

    figures: list[Figure] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def add(self, key: str, label: str, unit: str, samples: Sequence[float], note: str = "") -> Figure:
        figure = Figure(key, label, unit, tuple(samples), note)
        self.figures.append(figure)
        return figure

    def figure(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)

    def to_json(self) -> dict[str, Any]:
        return {"hhdesk_version": __version__, "generated_at": SYSTEM_CLOCK.now().isoformat(timespec="seconds"),
                "context": self.context, "figures": [f.to_json() for f in self.figures],
                "missed": [f.key for f in self.figures if f.result == "missed"],
                "details": self.details, "notes": self.notes}

    def table(self) -> str:
        """The figures as a plain-text table, each beside its goal and the word met or missed."""
        header = ("Figure", "Load avg", "Median", "p95", "Runs", "Goal", "Result")
        rows = [header]
        for f in self.figures:
            rows.append((
                f.label,
                "" if f.load is None else f"{f.load:.1f}",
                _with_unit(f.median, f.unit),
                _with_unit(f.p95, f.unit) if len(f.samples) > 1 else "",
                str(len(f.samples)),
                f.goal.text(f.unit) if f.goal else "",
                f.result,
            ))
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines = []
        for number, row in enumerate(rows):
            cells = [row[0].ljust(widths[0])] + [row[i].rjust(widths[i]) for i in (1, 2, 3, 4)]
            cells += [row[5].ljust(widths[5]), row[6]]
            lines.append("  ".join(cells).rstrip())
            if number == 0:
                lines.append("  ".join("-" * w for w in widths))
        for f in self.figures:
            if not f.samples:
                lines.append(f"{f.label}: {f.note or 'not measured'}")
        return "\n".join(lines)


def _with_unit(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{_number(value)} {unit}" if unit != "×" else f"{value:.2f} ×"


# ---- options ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchOptions:
    """What to build or reuse and how often to repeat; the defaults are the agency scale of docs/performance.md."""

    members: int = 10_000
    seed: int = 7
    store: Path | None = None  # reuse this store if it exists, else build it there and keep it
    username: str | None = None  # default: the demo administrator
    password: str | None = None
    runs: int = 5  # repetitions of the quick measurements; slow ones run min(runs, 3) times
    charts: int = 20  # members whose chart is opened
    contacts_per_member: int = 50
    months: int = 24
    referrals_per_member: int = 3
    cold_start: bool = True
    cold_start_runs: int = COLD_START_RUNS
    memory: bool = True
    plain_copy: bool = True
    real_kdf: bool = True  # build the store's key slots with the real Argon2 parameters

    @property
    def slow_runs(self) -> int:
        return max(1, min(self.runs, 3))


# ---- the run ------------------------------------------------------------------------------------------


def run_bench(options: BenchOptions, progress: Progress | None = None) -> BenchReport:
    """Build or reuse the store, measure every figure, and return the report (nothing is printed here)."""
    say = progress or (lambda _text: None)
    report = BenchReport()
    with tempfile.TemporaryDirectory(prefix="hhdesk-bench-") as temp, _bench_environment(Path(temp)):
        folder = Path(temp)
        path = options.store or folder / "bench.hhdesk"
        username, password = _credentials(options)
        report.context.update(_machine())
        report.context["store"] = _prepare_store(path, options, say, report)
        _check_slot(path, username, report)

        say("Unlocking the store (key slot, key check, migration check)")
        _measure_unlock(path, username, password, options.runs, report)

        from hhdesk.services import users

        app = users.login(path, username, password)
        try:
            world = World.look(app, options)
            report.context["store"].update(world.describe())
            if world.member_count != options.members and not report.context["store"]["built"]:
                report.notes.append(
                    f"The reused store has {world.member_count:,} members, not {options.members:,}."
                )
            if options.plain_copy and not world.demo_store:
                # An unencrypted copy of real members' records must never be written, even to a temporary file.
                report.notes.append("The reused store is not a demo store, so no unencrypted copy was made and "
                                    "the encrypted / plain comparison was left out.")
            if options.plain_copy and world.demo_store:
                with _plain_copy(app, folder, say, report) as plain_app:
                    reads = measure_reads({"encrypted": app, "plain": plain_app}, world, options, say)
            else:
                reads = measure_reads({"encrypted": app}, world, options, say)
            _add_read_figures(report, reads["encrypted"], reads.get("plain"))
            _measure_packet(app, world, options, say, report)
            _measure_clinical_text(app, options, say, report)
            _measure_export(app, world, options, folder, say, report)
            _measure_backup(app, options, folder, say, report)
        finally:
            app.close()

        _measure_fresh_processes(path, username, password, world, options, folder, say, report)
    note_load(report)
    order_figures(report)
    return report


def note_load(report: BenchReport) -> None:
    """Other programs busy on the machine slow every figure: say so when the bench did not have it alone."""
    if not hasattr(os, "getloadavg"):  # Windows
        return
    one_minute = os.getloadavg()[0]
    report.context["load_average_at_end"] = round(one_minute, 2)
    if one_minute > 0.75 * (os.cpu_count() or 1) + 1:
        report.notes.append(f"The machine was busy (load average {one_minute:.1f} on {os.cpu_count()} CPUs): "
                            "figures are slower than on a quiet machine; run again when it is idle.")


def _measure_fresh_processes(path: Path, username: str, password: str, world: World, options: BenchOptions,
                             folder: Path, say: Progress, report: BenchReport) -> None:
    """Cold start and resident memory: each in new processes, as a user starts the program."""
    times: list[float] = []
    if options.cold_start:
        say(f"Cold start to the login window ({options.cold_start_runs} fresh processes)")
        times = _cold_starts(path, folder, options.cold_start_runs, report)
    report.add("cold_start", "Cold start to the login window", "s", times,
               "from spawning the process to the window shown" if options.cold_start else "skipped")
    probe: dict[str, Any] = {}
    if options.memory:
        say(f"Resident memory: a fresh process logs in, shows the caseload, opens {options.charts} charts")
        probe = _memory(path, username, password, world.chart_members, folder, report)
    skipped = "" if options.memory else "skipped"
    report.add("memory", f"Resident memory, caseload + {options.charts} charts opened", "MB",
               _present(probe.get("charts_opened_mb")),
               skipped or "each chart as the window opens it (first tab)")
    report.add("memory_every_tab", f"Resident memory, every tab of the {options.charts} charts shown", "MB",
               _present(probe.get("every_tab_shown_mb")), skipped)
    report.add("memory_code_search", "Resident memory, then one ICD-10 code search", "MB",
               _present(probe.get("after_code_search_mb")), skipped or "the code set is loaded on first use")


def _present(value: float | None) -> list[float]:
    return [] if value is None else [value]


def write_json(report: BenchReport, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


FIGURE_KEYS = (
    "cold_start", "unlock", "search_name", "search_medicaid_id", "search_keystroke_window", "chart",
    "packet", "packet_first", "billing_preview", "export_837i", "backup",
    "memory", "memory_every_tab", "memory_code_search",
    "plain_search", "plain_chart", "plain_billing_preview",
    "ratio_search", "ratio_chart", "ratio_billing_preview", "ratio_all_reads",
    "clinical_read", "clinical_read_ciphertext", "ratio_clinical_read", "clinical_encrypt_10k",
)
"""Every figure the bench reports, in the order of its table."""


def order_figures(report: BenchReport, keys: Sequence[str] = FIGURE_KEYS) -> None:
    rank = {key: number for number, key in enumerate(keys)}
    report.figures.sort(key=lambda f: rank.get(f.key, len(rank)))


@contextmanager
def _bench_environment(folder: Path) -> Iterator[None]:
    """Logs, window preferences and migration backups of the bench go to its temporary folder."""
    saved = os.environ.get("HHDESK_DATA_DIR")
    os.environ["HHDESK_DATA_DIR"] = str(folder / "data")
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("HHDESK_DATA_DIR", None)
        else:
            os.environ["HHDESK_DATA_DIR"] = saved


@contextmanager
def _real_key_derivation(wanted: bool) -> Iterator[None]:
    """Key slots made inside the block use the program's Argon2 parameters (unless ``wanted`` is False, when
    they use whatever this process was set to: a test's cheap ones)."""
    from hhdesk.db.keyslots import DEFAULT_ARGON2, set_new_slot_cost

    if not wanted:
        yield
        return
    saved = set_new_slot_cost(DEFAULT_ARGON2)
    try:
        yield
    finally:
        set_new_slot_cost(saved)


def _credentials(options: BenchOptions) -> tuple[str, str]:
    from hhdesk.tools.demo import DEMO_PASSWORD, DEMO_USER

    return options.username or DEMO_USER, options.password or DEMO_PASSWORD


def _machine() -> dict[str, Any]:
    import sqlcipher3

    conn = sqlcipher3.connect(":memory:")
    try:
        cipher = conn.execute("PRAGMA cipher_version").fetchone()
        sqlite = conn.execute("SELECT sqlite_version()").fetchone()[0]
    finally:
        conn.close()
    return {
        "platform": platform.platform(), "machine": platform.machine(), "processor": platform.processor(),
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "sqlcipher": cipher[0] if cipher else "", "sqlite": sqlite,
    }


def _prepare_store(path: Path, options: BenchOptions, say: Progress, report: BenchReport) -> dict[str, Any]:
    from hhdesk.config import keyslots_path

    if path.exists() and keyslots_path(path).exists():
        say(f"Reusing the bench store at {path}")
        return {"path": str(path), "built": False, "size_mb": round(path.stat().st_size / 1e6, 1)}
    from hhdesk.tools.demo import build_demo_store

    say(f"Building a synthetic store of {options.members:,} members (about half a minute at 10,000)")
    started = time.perf_counter()
    with _real_key_derivation(options.real_kdf):
        build_demo_store(path, members=options.members, seed=options.seed,
                         contacts_per_member=options.contacts_per_member, months=options.months,
                         referrals_per_member=options.referrals_per_member, progress=lambda t: say("  " + t))
    built_in = time.perf_counter() - started
    report.details["build_seconds"] = round(built_in, 1)
    return {"path": str(path), "built": True, "build_seconds": round(built_in, 1),
            "size_mb": round(path.stat().st_size / 1e6, 1), "seed": options.seed}


def _check_slot(path: Path, username: str, report: BenchReport) -> None:
    """Say so when the login slot uses weaker Argon2 parameters than the program's (a test-built store)."""
    from hhdesk.config import keyslots_path
    from hhdesk.db.keyslots import DEFAULT_ARGON2, KeySlots

    slot = KeySlots.load(keyslots_path(path)).slots.get(username)
    if slot is None:
        return
    params = {k: slot.kdf.get(k) for k in DEFAULT_ARGON2}
    report.context["login_slot_kdf"] = params
    if params != DEFAULT_ARGON2:
        report.notes.append(
            f"The login slot's Argon2 parameters {params} are not the program's {DEFAULT_ARGON2}: the "
            "store was built with the fast test key derivation, so the unlock figure is not representative."
        )


def _measure_unlock(path: Path, username: str, password: str, runs: int, report: BenchReport) -> None:
    from hhdesk.services import users

    times = []
    for _ in range(runs):
        started = time.perf_counter()
        app = users.login(path, username, password)
        times.append(time.perf_counter() - started)
        app.close()
    report.add("unlock", "Unlock (key slot, open, migration check)", "s", times)


# ---- what the reads are made of -----------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """What the measurements need to know about the store: who to open, what to type, which month."""

    member_count: int
    contact_count: int
    chart_members: tuple[int, ...]
    packet_member: int
    medicaid_id: str
    month: ServiceMonth
    demo_store: bool  # built by ``hhdesk demo``: its members are made up

    @classmethod
    def look(cls, app: AppSession, options: BenchOptions) -> World:
        from sqlalchemy import func, select

        from hhdesk.db.models import AuditEvent, Contact, Member
        from hhdesk.domain.service_month import ServiceMonth
        from hhdesk.services import printing

        with app.read(None) as session:
            member_ids = list(session.execute(select(Member.id).order_by(Member.id)).scalars())
            contact_count = session.execute(select(func.count()).select_from(Contact)).scalar_one()
            rng = random.Random(options.seed)
            chosen = rng.sample(member_ids, min(options.charts, len(member_ids)))
            medicaid_id = session.execute(
                select(Member.medicaid_id).where(Member.id == rng.choice(member_ids))
            ).scalar_one()
            demo_store = session.execute(
                select(AuditEvent.id).where(AuditEvent.action == "demo_data_created").limit(1)
            ).first() is not None
        packet_member = next(
            (m for m in chosen if printing.packet_parts(app, m).version_no is not None), chosen[0]
        )
        month = ServiceMonth.of(app.clock.today()).previous()
        return cls(len(member_ids), contact_count, tuple(chosen), packet_member, medicaid_id, month, demo_store)

    def describe(self) -> dict[str, Any]:
        return {"members": self.member_count, "contacts": self.contact_count,
                "billing_month": str(self.month)}


def _chart_parts(app: AppSession, member_id: int, today: date) -> list[tuple[str, Callable[[], Any]]]:
    """What the chart window asks the services when it opens and each tab is shown (ui/views/*)."""
    from hhdesk.services import careplans, contacts, directory, enrolment, members, referrals, transitions

    return [
        ("header_profile", lambda: members.get_chart(app, member_id)),
        ("profile_pcp_choices", lambda: directory.search_entries(app, category="pcp")),
        ("enrolment", lambda: enrolment.get_enrolment(app, member_id)),
        ("contacts", lambda: (contacts.form_facts(app, member_id), contacts.list_contacts(app, member_id),
                              contacts.month_summary_for(app, member_id, today))),
        ("conditions", lambda: (enrolment.list_conditions(app, member_id),
                                enrolment.explain_eligibility(app, member_id))),
        ("care_team", lambda: directory.list_care_team(app, member_id)),
        ("care_plan", lambda: (members.get_details(app, member_id),
                               careplans.responsible_choices(app, member_id, today),
                               careplans.list_versions(app, member_id),
                               careplans.version_to_open(app, member_id))),
        ("transitions", lambda: transitions.member_episodes(app, member_id, now=transitions.local_now(app.clock))),
        ("referrals", lambda: referrals.member_referrals(app, member_id, today=today)),
    ]


def open_chart(app: AppSession, member_id: int, today: date | None = None) -> dict[str, float]:
    """Read a member's chart with every tab's data; returns seconds per part (the chart's tabs)."""
    spent: dict[str, float] = {}
    for name, read in _chart_parts(app, member_id, today or app.clock.today()):
        started = time.perf_counter()
        read()
        spent[name] = time.perf_counter() - started
    return spent


def keystrokes(text: str) -> list[str]:
    """What the search field holds after each keystroke: "Mar" → ["M", "Ma", "Mar"]."""
    return [text[:n] for n in range(1, len(text) + 1)]


def _window_keystroke(app: AppSession, text: str) -> None:
    """What the caseload window asks per keystroke (ui/views/caseload.py CaseloadModel.reload)."""
    from hhdesk.services import caseload

    query = caseload.CaseloadQuery(text=text)
    rows = caseload.search(app, query)
    if len(rows) >= query.limit:
        caseload.count(app, query)
    if text.strip():
        caseload.count(app, replace(query, text=""))


@dataclass
class _Reads:
    """The read queries compared between the encrypted store and its plain copy (ms; the preview in s)."""

    times: dict[str, list[float]] = field(default_factory=lambda: {
        key: [] for key in ("search_name", "search_medicaid_id", "search_keystroke_window", "chart",
                            "billing_preview")})
    chart_parts: dict[str, list[float]] = field(default_factory=dict)

    @property
    def search(self) -> list[float]:
        return self.times["search_name"] + self.times["search_medicaid_id"]

    def total_seconds(self) -> float:
        """Every search, chart and preview call together."""
        return (sum(self.search) + sum(self.times["chart"])) / 1000 + sum(self.times["billing_preview"])

    def chart_part_medians(self) -> dict[str, float]:
        return {name: round(statistics.median(values), 2) for name, values in self.chart_parts.items()}


def _timed(sink: list[float], call: Callable[[], Any], scale: float = 1.0) -> Any:
    started = time.perf_counter()
    result = call()
    sink.append((time.perf_counter() - started) * scale)
    return result


def measure_reads(apps: dict[str, AppSession], world: World, options: BenchOptions,
                   say: Progress) -> dict[str, _Reads]:
    """The read queries on each store, interleaved call by call (encrypted, plain, plain, encrypted, ...),
    so that a change in the machine's load while the bench runs weighs on both sides of the ratio alike."""
    from hhdesk.services import billing, caseload

    reads = {name: _Reads() for name in apps}
    names = list(apps)

    def in_turn(number: int) -> list[str]:
        return names if number % 2 == 0 else names[::-1]

    say(f"Caseload search, one keystroke at a time ({options.runs} rounds; {', '.join(names)})")
    for number in range(options.runs):
        for key, text in (("search_name", SURNAME), ("search_medicaid_id", world.medicaid_id)):
            for typed in keystrokes(text):
                for name in in_turn(number):
                    query = caseload.CaseloadQuery(text=typed)
                    _timed(reads[name].times[key], lambda a=apps[name], q=query: caseload.search(a, q), 1000)
        for typed in keystrokes(SURNAME) + keystrokes(world.medicaid_id):
            for name in in_turn(number):
                _timed(reads[name].times["search_keystroke_window"],
                       lambda a=apps[name], t=typed: _window_keystroke(a, t), 1000)
    say(f"{len(world.chart_members)} member charts with every tab's data")
    today = next(iter(apps.values())).clock.today()
    for number, member_id in enumerate(world.chart_members):
        for name in in_turn(number):
            spent = _timed(reads[name].times["chart"],
                           lambda a=apps[name], m=member_id: open_chart(a, m, today), 1000)
            for part, seconds in spent.items():
                reads[name].chart_parts.setdefault(part, []).append(seconds * 1000)
    say(f"Billing preview of {world.month} ({options.slow_runs} runs)")
    for number in range(options.slow_runs):
        for name in in_turn(number):
            _timed(reads[name].times["billing_preview"], lambda a=apps[name]: billing.preview(a, world.month))
    return reads


@contextmanager
def _plain_copy(app: AppSession, folder: Path, say: Progress, report: BenchReport) -> Iterator[AppSession]:
    """The same session over an unencrypted copy of the store, deleted afterwards."""
    from hhdesk.db.store import Store
    from hhdesk.services.context import AppSession

    plain_path = folder / "plain.db"
    say("Making a plain (unencrypted) SQLite copy of the store with sqlcipher_export")
    started = time.perf_counter()
    export_plain_copy(app.store.path, app.store.raw_key, plain_path)
    report.details["plain_copy_seconds"] = round(time.perf_counter() - started, 2)
    plain_store = Store(plain_path, app.store.keyfile, b"", app.store.secrets, app.store.secret_names,
                        plain_for_benchmark=True)
    try:
        yield AppSession(plain_store, app.actor, app.clock)
    finally:
        plain_store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(plain_path) + suffix).unlink(missing_ok=True)


def export_plain_copy(store_path: Path, raw_key: bytes, plain_path: Path) -> None:
    """An unencrypted copy of the store, for the encrypted / plain comparison only (then deleted)."""
    from hhdesk.db import engine as engines

    conn = engines.connect(store_path, raw_key)
    try:
        conn.execute("ATTACH DATABASE ? AS plain KEY ''", (str(plain_path),))
        conn.execute("SELECT sqlcipher_export('plain')")
        conn.execute("DETACH DATABASE plain")
    finally:
        conn.close()


READ_LABELS = {
    "search_name": f"Search keystroke, surname ({SURNAME})",
    "search_medicaid_id": "Search keystroke, Medicaid ID",
    "search_keystroke_window": "Search keystroke as the window asks (search + counts)",
    "chart": "Member chart, every tab's data",
    "billing_preview": "Billing preview, last full month",
}


def add_read_figures(report: BenchReport, reads: _Reads) -> None:
    """The search, chart and billing preview figures of one store (or server)."""
    for key, label in READ_LABELS.items():
        report.add(key, label, "s" if key == "billing_preview" else "ms", reads.times[key])
    report.details["chart_parts_ms_median"] = reads.chart_part_medians()


def _add_read_figures(report: BenchReport, encrypted: _Reads, plain: _Reads | None) -> None:
    add_read_figures(report, encrypted)
    if plain is not None:
        report.details["plain_chart_parts_ms_median"] = plain.chart_part_medians()
    skipped = "" if plain is not None else "skipped"
    report.add("plain_search", "Plain SQLite: search keystroke", "ms", plain.search if plain else [], skipped)
    report.add("plain_chart", "Plain SQLite: member chart", "ms", plain.times["chart"] if plain else [],
               skipped)
    report.add("plain_billing_preview", "Plain SQLite: billing preview", "s",
               plain.times["billing_preview"] if plain else [], skipped)
    pairs = {
        "ratio_search": ("Encrypted / plain: search", encrypted.search, plain.search if plain else []),
        "ratio_chart": ("Encrypted / plain: chart", encrypted.times["chart"],
                        plain.times["chart"] if plain else []),
        "ratio_billing_preview": ("Encrypted / plain: billing preview", encrypted.times["billing_preview"],
                                  plain.times["billing_preview"] if plain else []),
    }
    for key, (label, enc, pla) in pairs.items():
        ratio = [statistics.median(enc) / statistics.median(pla)] if enc and pla else []
        report.add(key, label, "×", ratio, skipped or "ratio of the medians")
    total = [encrypted.total_seconds() / plain.total_seconds()] if plain else []
    report.add("ratio_all_reads", "Encrypted / plain: all read queries", "×", total,
               skipped or "ratio of the total time of every search, chart and preview call")


def _measure_packet(app: AppSession, world: World, options: BenchOptions, say: Progress,
                    report: BenchReport) -> None:
    from hhdesk.services import printing

    say(f"Care-plan packet PDF ({options.runs} runs after the first)")
    started = time.perf_counter()
    printing.packet_pdf(app, world.packet_member)
    first = time.perf_counter() - started
    times = []
    for _ in range(options.runs):
        started = time.perf_counter()
        printing.packet_pdf(app, world.packet_member)
        times.append(time.perf_counter() - started)
    report.add("packet_first", "Care-plan packet PDF, first of the session", "s", [first],
               "includes loading ReportLab and registering the fonts")
    report.add("packet", "Care-plan packet PDF", "s", times)


def _measure_clinical_text(app: AppSession, options: BenchOptions, say: Progress, report: BenchReport) -> None:
    """What the column encryption of clinical text costs: every clinical value of the store read and
    decrypted, against the same reads left as ciphertext, and encrypting 10,000 values (the upgrade)."""
    from sqlalchemy import Text, select, type_coerce

    from hhdesk.db import clinical_text
    from hhdesk.db.models import Base

    columns = list(clinical_text.clinical_columns(Base.metadata.tables))

    def read_all(decrypted: bool) -> list[str]:
        values: list[str] = []
        with app.store.read_session() as session:
            for column in columns:
                wanted = column if decrypted else type_coerce(column, Text)
                values.extend(session.execute(select(wanted)).scalars())
        return values

    say(f"Clinical text: every value read with and without decryption ({options.runs} runs)")
    decrypted: list[float] = []
    ciphertext: list[float] = []
    values: list[str] = []
    for _ in range(options.runs):
        values = _timed(decrypted, lambda: read_all(True), 1000)
        _timed(ciphertext, lambda: read_all(False), 1000)
    texts = [v for v in values if v and v != clinical_text.WITHHELD] or ["a contact note of ordinary length"]
    key = app.store.clinical_keys.key
    count = len([v for v in values if v])
    report.add("clinical_read", f"Clinical text: read and decrypt all {count:,} values", "ms", decrypted,
               "" if key else "skipped: this user holds no clinical key")
    report.add("clinical_read_ciphertext", "Clinical text: the same reads, left encrypted", "ms", ciphertext)
    ratio = [statistics.median(decrypted) / statistics.median(ciphertext)] if key and ciphertext else []
    report.add("ratio_clinical_read", "Decrypted / ciphertext: clinical text reads", "×", ratio,
               "ratio of the medians")
    sample = (texts * (10_000 // len(texts) + 1))[:10_000]
    encrypting: list[float] = []
    cipher_key = key or bytes(32)
    for _ in range(options.slow_runs):
        _timed(encrypting, lambda: [clinical_text.encrypt(cipher_key, "contacts.note", t) for t in sample], 1000)
    report.add("clinical_encrypt_10k", "Clinical text: encrypt 10,000 values (the upgrade's cipher work)", "ms",
               encrypting)


def _measure_export(app: AppSession, world: World, options: BenchOptions, folder: Path, say: Progress,
                    report: BenchReport) -> None:
    from hhdesk.errors import ValidationFailed
    from hhdesk.services import billing

    say(f"837I export of {world.month} ({options.slow_runs} runs)")
    times = []
    note = ""
    for number in range(options.slow_runs):
        out = folder / f"bench-{number}.x12"
        started = time.perf_counter()
        try:
            info = billing.export(app, world.month, "837i", out, reason="benchmark run")
        except ValidationFailed as exc:
            note = f"refused: {exc}"
            break
        times.append(time.perf_counter() - started)
        written = [Path(name) for name in info.files]
        size = sum(path.stat().st_size for path in written)
        note = (f"{info.billable_count:,} claims in {len(written)} files (one per payer), {size / 1e6:.1f} MB; "
                "includes the preview")
        for path in written:
            path.unlink(missing_ok=True)
    report.add("export_837i", "837I export of the month", "s", times, note)


def _measure_backup(app: AppSession, options: BenchOptions, folder: Path, say: Progress,
                    report: BenchReport) -> None:
    from hhdesk.services import maintenance

    say(f"Backup ({options.slow_runs} runs)")
    times = []
    size = 0
    for number in range(options.slow_runs):
        out = folder / f"bench-{number}.hhbak"
        started = time.perf_counter()
        maintenance.backup_now(app, out)
        times.append(time.perf_counter() - started)
        size = out.stat().st_size
        out.unlink(missing_ok=True)
    report.add("backup", "Backup", "s", times, f"{size / 1e6:.0f} MB file")


# ---- fresh processes ----------------------------------------------------------------------------------


def _child_environment(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["HHDESK_DATA_DIR"] = str(folder / "data")
    return env


def _cold_starts(path: Path, folder: Path, runs: int, report: BenchReport) -> list[float]:
    """Seconds from spawning ``python -m hhdesk gui`` to the login window shown, in fresh processes."""
    env = _child_environment(folder)
    env[EXIT_WHEN_SHOWN_ENV] = "1"
    # A frozen build is its own interpreter: the program itself is started, as a user starts it.
    program = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "hhdesk"]
    times = []
    for _ in range(runs):
        spawned = seconds_since_epoch()
        done = subprocess.run([*program, "gui", "--store", str(path)], env=env,
                              capture_output=True, text=True, timeout=120, cwd=folder)
        shown = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("shown ")]
        if done.returncode != 0 or not shown:
            report.notes.append(f"A cold start did not report its window (exit status {done.returncode}).")
            continue
        times.append(float(shown[0]) - spawned)
    return times


def _memory(path: Path, username: str, password: str, member_ids: Sequence[int], folder: Path,
            report: BenchReport) -> dict[str, Any]:
    """The memory probe's figures, measured in a fresh process (see `hhdesk.ui.bench_probe.memory_probe`); {} if it failed."""
    if getattr(sys, "frozen", False):
        report.notes.append("Memory is measured from a Python installation, not from a frozen build.")
        return {}
    env = _child_environment(folder)
    env[PROBE_PASSWORD_ENV] = password
    command = [sys.executable, "-m", "hhdesk.tools.bench", "memory-probe", str(path), username,
               *(str(m) for m in member_ids)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, cwd=folder)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        report.notes.append(f"The memory probe failed (exit status {done.returncode}).")
        return {}
    result = json.loads(lines[-1])
    report.details["memory_probe"] = result
    return result


def _probe_main(argv: Sequence[str]) -> int:
    if len(argv) < 3 or argv[0] != "memory-probe":
        print("usage: python -m hhdesk.tools.bench memory-probe STORE USER MEMBER_ID... "
              f"(password in ${PROBE_PASSWORD_ENV})", file=sys.stderr)
        return 2
    from hhdesk.ui.bench_probe import memory_probe  # the window is only needed in the probe's process

    password = os.environ.get(PROBE_PASSWORD_ENV, "")
    result = memory_probe(Path(argv[1]), argv[2], password, [int(m) for m in argv[3:]])
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(_probe_main(sys.argv[1:]))
