"""Retention of the host's nightly backups: the newest 14 stay, and nothing that is not one is touched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hhdesk.services.host_retention import (
    backup_file_name,
    backup_moment,
    backups_to_delete,
    prune_backups,
)

moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC))
backup_names = moments.map(backup_file_name)
# Strangers: anything, including names that look almost like a backup's.
strangers = st.one_of(
    st.text(min_size=1, max_size=40),
    backup_names.map(lambda name: name.upper()),
    backup_names.map(lambda name: name + ".partial"),
    backup_names.map(lambda name: "copy of " + name),
    backup_names.map(lambda name: name.replace(".hhbak", ".zip")),
    st.just("host-backup-20261399T250000Z.hhbak"),
    st.dates().map(lambda day: f"daily-{day.isoformat()}.hhbak"),
)


@given(st.lists(backup_names, unique=True), st.lists(strangers), st.integers(min_value=1, max_value=30))
def test_keeps_the_newest_and_deletes_only_host_backups(backups, others, keep):
    names = backups + [name for name in others if name not in backups]
    doomed = backups_to_delete(names, keep)
    assert set(doomed) <= set(backups)
    kept = [name for name in backups if name not in doomed]
    assert len(kept) == min(keep, len(backups))
    if doomed and kept:
        moments = {name: backup_moment(name) or pytest.fail(f"{name} has no moment") for name in backups}
        assert max(moments[name] for name in doomed) < min(moments[name] for name in kept)


@given(moments)
def test_a_name_gives_back_its_moment_to_the_second(moment):
    assert backup_moment(backup_file_name(moment)) == moment.replace(microsecond=0)


def test_names_are_in_utc_so_daylight_saving_cannot_reorder_them():
    new_york_before = datetime(2026, 11, 1, 1, 30, tzinfo=timezone(timedelta(hours=-4)))
    new_york_after = datetime(2026, 11, 1, 1, 10, tzinfo=timezone(timedelta(hours=-5)))  # later, smaller clock
    assert backup_file_name(new_york_before) < backup_file_name(new_york_after)
    with pytest.raises(ValueError):
        backup_file_name(datetime(2026, 1, 1))


def test_prune_deletes_files_on_disk_and_leaves_strangers(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    start = datetime(2026, 1, 1, 8, 15, tzinfo=UTC)
    names = [backup_file_name(start + timedelta(days=day)) for day in range(20)]
    for name in names:
        (folder / name).write_bytes(b"backup")
    (folder / "daily-2026-01-01.hhbak").write_bytes(b"window backup")
    (folder / "before-upgrade.hhbak").write_bytes(b"kept")
    linked = backup_file_name(start - timedelta(days=30))
    (folder / linked).symlink_to(folder / "before-upgrade.hhbak")
    deleted = prune_backups(tmp_path)
    assert [path.name for path in deleted] == names[:6]
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [*names[6:], "daily-2026-01-01.hhbak", "before-upgrade.hhbak", linked])
    assert prune_backups(tmp_path) == []
    assert prune_backups(tmp_path / "nowhere") == []
