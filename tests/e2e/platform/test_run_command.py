"""`o2c run` starts broker, database and worker, shows events flowing, and Ctrl-C stops all of it.

`o2c run --demo` also says what the worker is doing while it starts, agrees with /readyz, and syncs orders.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from deploy.local.kafka import KafkaBroker
from deploy.local.postgres import EmbeddedPostgres
from deploy.local.procs import free_port, pid_alive, port_open


def test_run_shows_heartbeats_and_ctrl_c_leaves_nothing_running(kafka: KafkaBroker, tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "kafka-libs").parent.mkdir(parents=True)
    (data / "kafka-libs").symlink_to(kafka.jars.libs)
    env = {**os.environ, "O2C_DATA_DIR": str(data), "O2C_KAFKA_PORT": str(free_port()),
           "O2C_KAFKA_CONTROLLER_PORT": str(free_port()), "O2C_PG_PORT": str(free_port()),
           "O2C_WEB_PORT": str(free_port()), "O2C_WEBHOOK_PORT": str(free_port()), "O2C_HEARTBEAT_INTERVAL": "0.5",
           "O2C_LOG_FORMAT": "console", "O2C_TOPIC_PARTITIONS": "1",
           "O2C_SANDBOX_MODE": "true"}  # the daily audit calls BigCommerce and NetSuite: here, the defaults (sandboxes)
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


MILESTONE = re.compile(r"^\d\d:\d\d:\d\d  \+ *(?P<seconds>\d+\.\d)s  (?P<text>.+)$")
SUMMARY = re.compile(r"^\d\d:\d\d:\d\d  (?P<state>worker [^|]+) \| orders received")


def test_demo_says_what_the_worker_is_doing_agrees_with_readyz_and_syncs_orders(
    kafka: KafkaBroker, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "kafka-libs").symlink_to(kafka.jars.libs)  # the demo links .local/demo/kafka-libs to this
    ports = {name: free_port() for name in ("KAFKA_PORT", "KAFKA_CONTROLLER_PORT", "PG_PORT", "WEB_PORT",
                                            "WEBHOOK_PORT", "DEMO_BIGCOMMERCE_PORT", "DEMO_NETSUITE_PORT",
                                            "DEMO_STRIPE_PORT")}
    env = {**os.environ, "O2C_DATA_DIR": str(data), "O2C_LOG_FORMAT": "console", "O2C_TOPIC_PARTITIONS": "2",
           **{f"O2C_{name}": str(port) for name, port in ports.items()}}
    for name in ("O2C_KAFKA_BOOTSTRAP", "O2C_DATABASE_URL"):
        env.pop(name, None)
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "streams.cli", "run", "--demo"], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and "first sales order synced" not in log.read_text():
            assert proc.poll() is None, log.read_text()
            time.sleep(0.5)
        output = log.read_text()
        assert "first sales order synced" in output, output
        ready = httpx.get(f"http://127.0.0.1:{ports['WEB_PORT']}/readyz", timeout=5)
        assert (ready.status_code, ready.json()) == (200, {"status": "ready", "phase": "ready"})
        kafka_pid = int((data / "demo" / "kafka" / "kafka.pid").read_text())

        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=90) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    output = log.read_text()
    lines = output.splitlines()
    milestones = [(float(m["seconds"]), m["text"]) for m in map(MILESTONE.match, lines) if m]
    texts = [text for _, text in milestones]
    assert "worker ready" in texts, output
    # the start-up is told in order, and nothing claims "ready" before the worker's own /readyz did
    assert texts.index("worker ready") < next(i for i, t in enumerate(texts) if t.startswith("first sales order"))
    ready_line = next(i for i, line in enumerate(lines) if (m := MILESTONE.match(line)) and m["text"] == "worker ready")
    for line in lines[:ready_line]:
        if summary := SUMMARY.match(line):
            assert not summary["state"].startswith("worker ready"), line
    for phase in (t for t in texts if t.startswith("worker ")):
        assert phase in {"worker starting (loading the flows, creating topics)", "worker joining the consumer group",
                         "worker recovering tables", "worker rebalancing", "worker ready"}, phase
    first_sync = next(s for s, t in milestones if t.startswith("first sales order synced"))
    print(f"demo: first sales order synced {first_sync:.1f}s after the banner")  # the figure, for the record
    assert "Traceback" not in output
    assert "\x1b[" not in output, "no terminal escapes (Faust's spinner) in the demo's output"
    assert not pid_alive(kafka_pid)
    assert not any(port_open("127.0.0.1", ports[name]) for name in ("WEB_PORT", "WEBHOOK_PORT", "DEMO_BIGCOMMERCE_PORT",
                                                                    "DEMO_NETSUITE_PORT"))
