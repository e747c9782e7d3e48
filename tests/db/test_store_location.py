"""A store file lives on this computer's own disk: network shares and cloud-synced folders are refused."""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from hhdesk.db.location import cloud_service, is_unc, network_file_system, shared_folder_problem
from hhdesk.db.store import Store
from hhdesk.errors import StorageProblem
from tests.cli.conftest import run

MOUNTS = [("/", "ext4"), ("/home", "ext4"), ("/mnt/office", "cifs"), ("/mnt/office/local", "ext4"),
          ("/srv/nas", "nfs4"), ("/media/usb", "vfat"), ("/home/ann/remote", "fuse.sshfs")]


@pytest.mark.parametrize(("path", "expected"), [
    ("/home/ann/hhdesk/store.hhdesk", None),
    ("/mnt/office/hhdesk/store.hhdesk", "cifs"),
    ("/mnt/office/local/store.hhdesk", None),  # a local disk mounted inside the share: the deeper mount wins
    ("/srv/nas/store.hhdesk", "nfs4"),
    ("/media/usb/store.hhdesk", None),
    ("/home/ann/remote/store.hhdesk", "fuse.sshfs"),
    ("/mnt/officer/store.hhdesk", None),  # a name that merely starts like the share's
])
def test_the_mount_that_holds_the_file_decides(path: str, expected: str | None) -> None:
    assert network_file_system(PurePosixPath(path), MOUNTS) == expected


@pytest.mark.parametrize(("path", "service"), [
    (PureWindowsPath(r"C:\Users\ann\OneDrive - Hudson Valley HH\hhdesk\store.hhdesk"), "OneDrive"),
    (PureWindowsPath(r"C:\Users\ann\OneDrive\store.hhdesk"), "OneDrive"),
    (PureWindowsPath(r"C:\Users\ann\Dropbox (Agency)\store.hhdesk"), "Dropbox"),
    (PureWindowsPath(r"G:\My Drive\store.hhdesk"), "Google Drive"),
    (PurePosixPath("/Users/ann/Library/Mobile Documents/com~apple~CloudDocs/store.hhdesk"), "iCloud Drive"),
    (PurePosixPath("/Users/ann/Library/CloudStorage/GoogleDrive-ann@example.org/store.hhdesk"), "Google Drive"),
    (PurePosixPath("/Users/ann/Library/CloudStorage/Box-Box/store.hhdesk"), "Box"),
    (PurePosixPath("/Users/ann/Library/CloudStorage/Other/store.hhdesk"), "cloud-synced"),
    (PurePosixPath("/Users/ann/Dropbox/store.hhdesk"), "Dropbox"),
    (PurePosixPath("/Users/ann/Documents/hhdesk/store.hhdesk"), None),
    (PurePosixPath("/Users/ann/Documents/dropbox-notes.hhdesk"), None),  # the file's own name does not count
])
def test_cloud_synced_folders_are_recognised(path, service: str | None) -> None:
    assert cloud_service(path, environ={}) == service


def test_windows_names_its_onedrive_folder_in_the_environment() -> None:
    path = PureWindowsPath(r"D:\Sync\Agency\store.hhdesk")
    assert cloud_service(path, environ={"OneDriveCommercial": r"D:\Sync"}) == "OneDrive"
    assert cloud_service(path, environ={"OneDrive": r"D:\Elsewhere"}) is None


@pytest.mark.parametrize(("text", "unc"), [
    (r"\\fileserver\clinic\store.hhdesk", True), ("//fileserver/clinic/store.hhdesk", True),
    (r"\\?\UNC\fileserver\clinic\store.hhdesk", True), (r"\\?\C:\hhdesk\store.hhdesk", False),
    (r"C:\hhdesk\store.hhdesk", False), ("/home/ann/store.hhdesk", False),
])
def test_windows_network_paths(text: str, unc: bool) -> None:
    assert is_unc(text) is unc


def test_a_store_in_a_synced_folder_is_refused_with_a_pointer_to_agency_mode(tmp_path: Path) -> None:
    path = tmp_path / "OneDrive - Hudson Valley HH" / "store.hhdesk"
    with pytest.raises(StorageProblem) as caught:
        Store.create(path, "admin", "a long enough password")
    message = str(caught.value)
    assert message.startswith("hhdesk keeps a store only on this computer's own disk, not in a OneDrive folder")
    assert "use agency mode" in message and message.count(". ") == 0
    assert not path.parent.exists()  # refused before anything was written


def test_a_store_already_in_a_synced_folder_is_not_opened(tmp_path: Path) -> None:
    local = tmp_path / "store.hhdesk"
    store, _ = Store.create(local, "admin", "a long enough password")
    store.close()
    synced = tmp_path / "Dropbox"
    synced.mkdir()
    for name in ("store.hhdesk", "store.hhdesk.keys"):
        (synced / name).write_bytes((tmp_path / name).read_bytes())
    with pytest.raises(StorageProblem, match="not in a Dropbox folder"):
        Store.open(synced / "store.hhdesk", "admin", "a long enough password")
    Store.open(local, "admin", "a long enough password").close()


def test_the_command_line_says_so(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("HHDESK_NEW_PASSWORD", "correct horse battery 1")
    code, out, err = run(capsys, "init", "--store", str(tmp_path / "iCloud Drive" / "s.hhdesk"), "--org", "X",
                         "--admin", "boss")
    assert (code, out) == (1, "")
    assert err.startswith("hhdesk: hhdesk keeps a store only on this computer's own disk, not in an iCloud Drive")


def test_a_local_folder_is_fine(tmp_path: Path) -> None:
    assert shared_folder_problem(tmp_path / "store.hhdesk") is None
