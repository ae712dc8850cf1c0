"""A throwaway PostgreSQL + PostGIS cluster in a temporary folder, on a free local port.

initdb refuses to run as root, so as root the cluster belongs to the `postgres` user
(runuser). Used by the tests (one cluster per session, a template database with the
schema cloned per test) and by benchmarks/bench_postgis.py.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> str | None:
    """None when a cluster can be started here, else why not."""
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL server binaries not found in {PG_BIN} (make test installs postgresql-15-postgis-3)"
    if not list(Path("/usr/share/postgresql/15/extension").glob("postgis--*.sql")):
        return "PostGIS is not installed (make test installs postgresql-15-postgis-3)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="events-pg-"))
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"

    def _run(self, *cmd: str) -> subprocess.CompletedProcess:
        argv = [str(PG_BIN / cmd[0]), *cmd[1:]]
        if self.as_root:
            argv = ["runuser", "-u", "postgres", "--", *argv]
        return subprocess.run(argv, capture_output=True, text=True, check=True, timeout=120)

    def start(self, **settings: str) -> "Cluster":
        """initdb, then start; settings are extra server settings (wal_level="replica", ...)."""
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        self.settings = settings
        return self.resume()

    def resume(self) -> "Cluster":
        """Start the server on the existing data folder (after kill(): crash recovery first)."""
        extra = " ".join(f"-c {k}={v}" for k, v in getattr(self, "settings", {}).items())
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB -c max_wal_size=4GB "
                f"-c maintenance_work_mem=256MB -c work_mem=64MB {extra}").strip()
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.dir / "log"), "-w", "-t", "60", "start")
        return self

    def replica(self) -> "Cluster":
        """A streaming replica of this cluster on a port of its own (pg_basebackup -R: it follows
        the primary from the moment it starts)."""
        other = Cluster()
        self._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-D", str(other.data),
                  "-R", "-X", "stream", "-c", "fast", "--no-sync")
        other.settings = {"hot_standby": "on"}
        return other.resume()

    def pause(self) -> None:
        """Stop the server (fast shutdown: sessions are cut off), keeping its data."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def kill(self) -> None:
        """kill -9 of the server and every one of its processes, as a crash would; the data stays."""
        import signal
        import time

        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        for p in [pid, *map(int, children)]:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.time() + 10
        while time.time() < deadline and any(Path(f"/proc/{p}").exists() for p in [pid, *map(int, children)]):
            time.sleep(0.05)

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def sql(self, statement: str, db: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(db), autocommit=True) as conn:
            conn.execute(statement)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.dir, ignore_errors=True)
