"""A throwaway PostgreSQL cluster (for the team tests and the team benchmark): initdb into a
temporary folder, listen on 127.0.0.1 on a free port with a password user, stopped with
`-m immediate` at the end. As root, initdb and pg_ctl refuse to run: they run as the
`postgres` user (or `nobody`) with the folder owned by it."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

PASSWORD = "team-server-" + uuid.uuid4().hex[:12]
USER = "steward"


def bin_dir() -> Path | None:
    wanted = os.environ.get("STEWARD_PG_BIN")
    candidates = [wanted] if wanted else sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                                reverse=True)
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="steward-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.runas: list[str] = []
        if os.geteuid() == 0:
            user = "postgres"
            try:
                pwd.getpwnam(user)
            except KeyError:
                user = "nobody"
            entry = pwd.getpwnam(user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
            self.runas = ["runuser", "-u", user, "--"]
            self._owner = (entry.pw_uid, entry.pw_gid)
        else:
            self._owner = None
        pwfile = self.root / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self._owner:
            os.chown(pwfile, *self._owner)
        self._run([str(self.bin / "initdb"), "-D", str(self.data), "-U", USER,
                   "--pwfile", str(pwfile), "-A", "scram-sha-256", "-E", "UTF8",
                   "--no-sync", "--no-instructions"])
        pwfile.unlink()
        self.start()

    def _run(self, cmd: list[str]) -> None:
        done = subprocess.run([*self.runas, *cmd], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed: {done.stdout}\n{done.stderr}")

    def start(self) -> None:
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-l",
                   str(self.root / "log"), "-w", "-t", "60", "-o",
                   f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
                   # fsync off is safe here (the OS keeps what the server wrote when it is
                   # stopped); asynchronous commit is not: `stop -m immediate` drops commits
                   # still in the WAL buffers, which made a stopped-mid-sync test lose envelopes.
                   "-c fsync=off -c full_page_writes=off", "start"])

    def stop(self) -> None:
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
                   "stop"])

    def url(self, database: str) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def admin(self):
        import psycopg

        return psycopg.connect(self.url("postgres"), password=PASSWORD, autocommit=True)

    def pg_dump(self, database: str) -> str:
        done = subprocess.run([str(self.bin / "pg_dump"), "-h", "127.0.0.1", "-p",
                               str(self.port), "-U", USER, "-d", database],
                              capture_output=True, env=dict(os.environ, PGPASSWORD=PASSWORD),
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout.decode("utf-8", "replace")

    def close(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
