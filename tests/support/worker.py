"""Run a real o2c worker as a child process against the test broker and database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deploy.local.procs import free_port


@dataclass
class WorkerProcess:
    """One ``o2c worker`` child; ``start`` waits for /readyz, ``stop`` sends SIGTERM (SIGKILL if stuck).

    ``url``: its web server (health, metrics); ``webhook_url``: its webhook server (``POST /webhooks/…``).
    """

    env: dict[str, str]
    log_path: Path
    web_port: int = field(default_factory=free_port)
    webhook_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.webhook_port}"

    def start(self, timeout: float = 90.0) -> WorkerProcess:
        env = {**os.environ, **self.env, "O2C_WEB_PORT": str(self.web_port),
               "O2C_WEBHOOK_PORT": str(self.webhook_port)}
        with self.log_path.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "streams.cli", "worker"], env=env,
                                         stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.kill()
        raise RuntimeError(f"worker not ready after {timeout}s:\n{self.log_tail()}")

    def stop(self, timeout: float = 60.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
