"""`hhdesk bench` on a tiny store: every figure is measured and written; timings are never asserted.

The figures themselves depend on the machine, so these tests check the machinery only: that each figure
has samples, a goal where docs/performance.md sets one, and a verdict; that the table and the JSON say the same; that a
store named with --store is kept and reused.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hhdesk.cli.main import main
from hhdesk.tools.bench import (
    FIGURE_KEYS,
    GOALS,
    BenchOptions,
    BenchReport,
    Figure,
    Goal,
    keystrokes,
    nearest_rank,
    run_bench,
)


@pytest.mark.slow
def test_bench_measures_and_writes_every_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "bench.hhdesk"
    out = tmp_path / "results.json"

    code = main(["bench", "--members", "30", "--runs", "1", "--charts", "3", "--cold-start-runs", "1",
                 "--store", str(store), "--out", str(out)])

    assert code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    figures = {f["key"]: f for f in data["figures"]}
    assert list(figures) == list(FIGURE_KEYS)
    for key, figure in figures.items():
        assert figure["runs"] >= 1, f"{key} was not measured: {figure['note']}"
        assert figure["median"] is not None and figure["median"] > 0, key
        if key in GOALS:
            assert figure["goal"]["text"], key
            assert figure["result"] in ("met", "missed"), key
        else:
            assert figure["goal"] is None and figure["result"] is None, key
    assert data["missed"] == [k for k, f in figures.items() if f["result"] == "missed"]
    assert data["context"]["store"]["members"] == 30 and data["context"]["store"]["built"] is True
    # The store's key slots use the program's Argon2 parameters, even under the test suite's fast ones; and
    # every fresh process reported (only a busy machine may add a note).
    assert not [note for note in data["notes"] if "machine was busy" not in note], data["notes"]
    probe = data["details"]["memory_probe"]
    assert {"after_login_mb", "charts_opened_mb", "every_tab_shown_mb", "after_code_search_mb"} <= set(probe)
    assert probe["charts"] == 3

    printed = capsys.readouterr().out
    for figure in figures.values():
        line = next(line for line in printed.splitlines() if line.startswith(figure["label"] + "  "))
        if figure["result"]:
            assert line.endswith(figure["result"]) and figure["goal"]["text"] in line, line
    assert store.exists(), "a store named with --store is kept for the next run"


@pytest.mark.slow
def test_a_store_named_with_store_is_reused(tmp_path: Path) -> None:
    store = tmp_path / "bench.hhdesk"
    quick = BenchOptions(members=12, store=store, runs=1, charts=2, cold_start=False, memory=False,
                         plain_copy=False, real_kdf=False)
    first = run_bench(quick)
    second = run_bench(quick)

    assert first.context["store"]["built"] is True
    assert second.context["store"]["built"] is False
    assert second.context["store"]["members"] == 12
    # Skipped parts still appear, unmeasured and saying why.
    skipped = second.figure("cold_start")
    assert skipped is not None and skipped.samples == () and skipped.note == "skipped"
    assert skipped.result == "not measured"
    assert any("fast test key derivation" in note for note in second.notes)


def test_nearest_rank_percentile() -> None:
    samples = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert nearest_rank(samples, 0.95) == 5.0  # with five runs the p95 is the slowest
    assert nearest_rank(samples, 0.5) == 3.0
    assert nearest_rank(list(range(1, 101)), 0.95) == 95
    assert nearest_rank([7.0], 0.95) == 7.0


def test_goals_judge_the_statistic_they_name() -> None:
    search = Figure("search_name", "Search", "ms", (1.0,) * 19 + (45.0,))
    assert search.median == 1.0 and search.p95 == 1.0  # 19 of 20 below: the 95th percentile is fast
    assert search.result == "met"
    slow_tail = Figure("search_name", "Search", "ms", (1.0,) * 18 + (45.0, 45.0))
    assert slow_tail.result == "missed"
    ratio = Figure("ratio_all_reads", "Ratio", "×", (1.3,))
    assert ratio.result == "met"  # "≤ 1.3": the limit itself meets it
    assert Figure("memory", "Memory", "MB", (300.0,)).result == "missed"  # "< 300"
    assert Figure("backup", "Backup", "s", (9.0,)).result == ""  # no goal, nothing to judge
    # Agency mode's goals are judged at 25 workstations only.
    assert Figure("load25_chart", "Chart", "ms", (100.0,) * 19 + (200.0,)).result == "met"
    assert Figure("load25_search", "Search", "ms", (40.0,) * 20).result == "missed"
    assert Figure("load50_search", "Search", "ms", (40.0,) * 20).result == ""
    assert Goal("p95", 30).text("ms") == "p95 < 30.0 ms"
    assert Goal("value", 1.3, inclusive=True).text("×") == "≤ 1.30 ×"


def test_table_shows_each_figure_beside_its_goal() -> None:
    report = BenchReport()
    report.add("chart", "Member chart", "ms", [120.0, 160.0])
    report.add("backup", "Backup", "s", [1.5])
    report.add("cold_start", "Cold start", "s", [], "skipped")
    lines = report.table().splitlines()
    chart = next(line for line in lines if line.startswith("Member chart"))
    assert "p95 < 150 ms" in chart and chart.endswith("missed")
    assert next(line for line in lines if line.startswith("Backup")).endswith("1")  # runs, no goal
    assert "Cold start: skipped" in lines


def test_keystrokes_are_the_search_field_after_each_key() -> None:
    assert keystrokes("Mar") == ["M", "Ma", "Mar"]
    assert keystrokes("") == []
