"""`o2c run` starts broker, database and worker, shows events flowing, and Ctrl-C stops all of it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from deploy.local.kafka import KafkaBroker
from deploy.local.postgres import EmbeddedPostgres
from deploy.local.procs import free_port, pid_alive


def test_run_shows_heartbeats_and_ctrl_c_leaves_nothing_running(kafka: KafkaBroker, tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "kafka-libs").parent.mkdir(parents=True)
    (data / "kafka-libs").symlink_to(kafka.jars.libs)
    env = {**os.environ, "O2C_DATA_DIR": str(data), "O2C_KAFKA_PORT": str(free_port()),
           "O2C_KAFKA_CONTROLLER_PORT": str(free_port()), "O2C_PG_PORT": str(free_port()),
           "O2C_WEB_PORT": str(free_port()), "O2C_HEARTBEAT_INTERVAL": "0.5", "O2C_LOG_FORMAT": "console",
           "O2C_TOPIC_PARTITIONS": "1"}
    env.pop("O2C_KAFKA_BOOTSTRAP", None)
    env.pop("O2C_DATABASE_URL", None)
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "streams.cli", "run"], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and "flowed through agent and table: count=2" not in log.read_text():
            assert proc.poll() is None, log.read_text()
            time.sleep(0.5)
        assert "count=2" in log.read_text(), log.read_text()
        kafka_pid = int((data / "kafka" / "kafka.pid").read_text())

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=90) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    output = log.read_text()
    assert "kafka      stopped" in output and "postgres   stopped" in output
    assert not pid_alive(kafka_pid)
    assert not EmbeddedPostgres(data / "postgres", port=int(env["O2C_PG_PORT"])).running()
