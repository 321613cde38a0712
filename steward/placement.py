"""Where a workspace may live: warn when its folder is synced or on a network drive.

SQLite's write-ahead log needs shared memory on one machine: a network filesystem breaks it, and
a sync client (Dropbox, OneDrive, …) copies the database half-written and may hand another
laptop a "conflicted copy". Backups belong there; the live workspace does not.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def workspace_location(explicit: str | None) -> Path:
    """The workspace folder: `--workspace`, else STEWARD_WORKSPACE, else the user data folder."""
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get("STEWARD_WORKSPACE"):
        return Path(os.environ["STEWARD_WORKSPACE"]).expanduser()
    from platformdirs import user_data_path

    return user_data_path("Steward", appauthor=False) / "workspace"


SYNCED_FOLDER_NAMES = (
    "dropbox", "onedrive", "google drive", "googledrive", "my drive", "icloud drive",
    "mobile documents", "icloud~", "box", "box sync", "pcloud drive", "nextcloud", "owncloud",
    "sync.com", "megasync", "mega",
)
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "fuse.sshfs", "sshfs", "9p", "afs",
    "davfs", "fuse.davfs2", "fuse.rclone", "fuse.s3fs", "glusterfs", "ceph", "fuse.gvfsd-fuse",
})


def _mount_type(path: Path) -> str | None:
    """The filesystem type of the mount holding `path` (Linux; None elsewhere)."""
    try:
        lines = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    best, kind = "", None
    target = str(path)
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount = parts[1].replace("\\040", " ")
        if (target == mount or target.startswith(mount.rstrip("/") + "/")) and len(mount) > len(
                best):
            best, kind = mount, parts[2]
    return kind


def placement_warning(path: Path, mount_type: str | None = None) -> str | None:
    """One sentence when `path` looks synced or networked, else None."""
    path = Path(path).expanduser().absolute()
    if sys.platform == "win32" and str(path).startswith("\\\\"):
        return (f"{path} is on a network share: keep the workspace on this laptop's own disk "
                "(SQLite cannot lock it safely over a network); put backups on the share instead")
    for part in path.parts:
        name = part.lower()
        if name in SYNCED_FOLDER_NAMES or name.startswith(("onedrive -", "dropbox (")):
            return (f"{path} is inside a synced folder ({part}): sync clients copy the database "
                    "half-written. Keep the workspace on this laptop's own disk and put backups "
                    "in the synced folder instead")
    kind = mount_type if mount_type is not None else _mount_type(path)
    if kind and kind.lower() in NETWORK_FILESYSTEMS:
        return (f"{path} is on a network filesystem ({kind}): SQLite's write-ahead log does not "
                "work there. Keep the workspace on this laptop's own disk")
    return None


def warn_once(path: Path, stream=None) -> None:
    """Print the placement warning for `path` to stderr (the command line), if any."""
    message = placement_warning(path)
    if message and not os.environ.get("STEWARD_QUIET_PLACEMENT"):
        print(f"steward: warning: {message}", file=stream or sys.stderr)
