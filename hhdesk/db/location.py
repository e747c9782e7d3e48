"""Where a store file may live: on this computer's own disk, never on a network share or a cloud-synced folder.

SQLite's own documentation says why: its write-ahead log does not work over a network file system, and file
locking over network file systems (Windows shares included) is unreliable, so two computers writing one file
corrupt it; sync clients (OneDrive, Dropbox, iCloud, Google Drive, Box) copy a file while it is being
written, and merge nothing. An agency that shares one caseload between computers uses agency mode instead.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePath

from hhdesk.errors import StorageProblem

NETWORK_FILE_SYSTEMS = {
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "afpfs", "webdav", "davfs", "fuse.davfs2", "afs",
    "ceph", "glusterfs", "fuse.glusterfs", "9p", "fuse.sshfs", "sshfs", "fuse.rclone", "fuse.s3fs",
    "fuse.gvfsd-fuse", "fuse.onedriver", "fuse.google-drive-ocamlfuse",
}
_CLOUD_FOLDERS = {  # a folder name (case-insensitive) -> the service, as users know it
    "dropbox": "Dropbox", "icloud drive": "iCloud Drive", "icloud~com~apple~clouddocs": "iCloud Drive",
    "google drive": "Google Drive", "my drive": "Google Drive", "box sync": "Box",
    "mobile documents": "iCloud Drive",
}
_WINDOWS_CLOUD_VARIABLES = ("OneDrive", "OneDriveCommercial", "OneDriveConsumer")


def cloud_service(path: PurePath, environ: Mapping[str, str] | None = None) -> str | None:
    """The sync service whose folder holds ``path``, or None."""
    environ = os.environ if environ is None else environ
    for variable in _WINDOWS_CLOUD_VARIABLES:
        root = environ.get(variable)
        if root and _is_within(path, PurePath(root)):
            return "OneDrive"
    folders = [part.casefold() for part in path.parts[:-1]]
    for index, name in enumerate(folders):
        if name.startswith("onedrive"):  # "OneDrive", "OneDrive - Agency Name"
            return "OneDrive"
        if name.startswith("dropbox"):  # "Dropbox", "Dropbox (Agency Name)"
            return "Dropbox"
        if name == "cloudstorage":  # macOS File Provider: Library/CloudStorage/GoogleDrive-…, Box-Box, …
            provider = folders[index + 1] if index + 1 < len(folders) else ""
            for prefix, service in (("googledrive", "Google Drive"), ("onedrive", "OneDrive"),
                                    ("dropbox", "Dropbox"), ("box", "Box")):
                if provider.startswith(prefix):
                    return service
            return "cloud-synced"
        if name in _CLOUD_FOLDERS:
            return _CLOUD_FOLDERS[name]
    return None


def network_file_system(path: PurePath, mounts: Iterable[tuple[str, str]]) -> str | None:
    """The network file system type of the mount that holds ``path`` ((mount point, type) pairs), or None."""
    best: tuple[int, str] | None = None
    for mount_point, fs_type in mounts:
        point = PurePath(mount_point)
        if _is_within(path, point) and (best is None or len(point.parts) > best[0]):
            best = (len(point.parts), fs_type)
    if best is not None and best[1].casefold() in NETWORK_FILE_SYSTEMS:
        return best[1]
    return None


def is_unc(text: str) -> bool:
    """A Windows network path: \\\\server\\share\\… (or //server/share/…)."""
    return text.startswith(("\\\\", "//")) and not text.startswith(("\\\\?\\", "\\\\.\\")) \
        or text.upper().startswith("\\\\?\\UNC\\")


def shared_folder_problem(path: Path) -> str | None:
    """Why a store may not be at ``path``, as one sentence; None when it is on this computer's own disk."""
    where: str | None = None
    if is_unc(str(path)):
        where = "a network folder"
    else:
        absolute = Path(os.path.abspath(path))
        if sys.platform == "win32" and _windows_drive_is_remote(absolute):
            where = "a network drive"
        else:
            fs_type = network_file_system(absolute, _mounts())
            if fs_type:
                where = f"a network folder ({fs_type})"
            else:
                service = cloud_service(absolute)
                if service:
                    where = f"{'an' if service.startswith('iCloud') else 'a'} {service} folder"
    if where is None:
        return None
    return (f"hhdesk keeps a store only on this computer's own disk, not in {where} ({path}), where a second "
            "computer or the sync would corrupt it; to share one caseload between computers, use agency mode "
            "(a PostgreSQL server, see the README).")


def refuse_shared_folder(path: Path) -> None:
    problem = shared_folder_problem(path)
    if problem:
        raise StorageProblem(problem)


def _is_within(path: PurePath, folder: PurePath) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def _mounts() -> list[tuple[str, str]]:
    """(mount point, file system type) for every mount: /proc/mounts on Linux, `mount` on macOS."""
    if sys.platform.startswith("linux"):
        try:
            lines = Path("/proc/mounts").read_text().splitlines()
        except OSError:
            return []
        pairs = []
        for line in lines:
            fields = line.split()
            if len(fields) >= 3:
                pairs.append((fields[1].replace("\\040", " "), fields[2]))
        return pairs
    if sys.platform == "darwin":
        import subprocess

        try:
            output = subprocess.run(["/sbin/mount"], capture_output=True, text=True, timeout=5, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        pairs = []
        for line in output.splitlines():  # "//u@server/share on /Volumes/share (smbfs, nodev, …)"
            if " on " in line and " (" in line:
                point = line.split(" on ", 1)[1].rsplit(" (", 1)[0]
                fs_type = line.rsplit(" (", 1)[1].split(",")[0].rstrip(")")
                pairs.append((point, fs_type))
        return pairs
    return []


def _windows_drive_is_remote(path: Path) -> bool:
    import ctypes

    drive_remote = 4
    root = path.anchor or str(path)[:3]
    return ctypes.windll.kernel32.GetDriveTypeW(root) == drive_remote  # type: ignore[attr-defined]
