"""The one way hhdesk writes a file in place: whole or not at all, private, flushed to the disk."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from hhdesk import private_files
from hhdesk.private_files import write_private_file_atomically

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@posix_only
def test_a_new_file_is_private_and_an_old_loose_one_is_replaced_by_a_private_one(tmp_path: Path) -> None:
    before = os.umask(0o022)  # as if the start-up umask had not been set
    try:
        target = tmp_path / "list.xlsx"
        target.write_bytes(b"old")
        os.chmod(target, 0o644)
        write_private_file_atomically(target, b"new")
    finally:
        os.umask(before)
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["list.xlsx"]


def test_the_data_and_the_folder_are_flushed_before_it_returns(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    flushed: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (flushed.append(fd), real_fsync(fd))[1])
    write_private_file_atomically(tmp_path / "claims.x12", b"ISA*...")
    assert len(flushed) == (2 if os.name == "posix" else 1)  # the file, then (POSIX) its folder


def test_a_failed_rename_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "packet.pdf"
    target.write_bytes(b"%PDF- the old one")

    def refuse(_src: object, _dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(private_files.os, "replace", refuse)
    with pytest.raises(OSError):
        write_private_file_atomically(target, b"%PDF- the new one")
    assert target.read_bytes() == b"%PDF- the old one"
    assert [p.name for p in tmp_path.iterdir()] == ["packet.pdf"]


def test_a_full_disk_while_writing_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(private_files.os, "fsync", full)
    with pytest.raises(OSError):
        write_private_file_atomically(tmp_path / "template.json", b"{}")
    assert list(tmp_path.iterdir()) == []
