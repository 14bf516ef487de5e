"""A local broker with a second listener that wants SASL SCRAM-SHA-512 (``SASL_PLAINTEXT``), as Strimzi's does.

The PLAINTEXT listener stays (readiness probe, inter-broker); the SCRAM user is created when the storage is
formatted (``kafka-storage format --add-scram``), so it exists before the broker first starts.
"""

from __future__ import annotations

import base64
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from deploy.local.kafka import KafkaBroker
from deploy.local.kafka.broker import KafkaStartError
from deploy.local.procs import free_port

MECHANISM = "SCRAM-SHA-512"


@dataclass
class SaslKafkaBroker(KafkaBroker):
    """``bootstrap``: PLAINTEXT; ``sasl_bootstrap``: SASL_PLAINTEXT with ``user`` / ``password``."""

    sasl_port: int = field(default_factory=free_port)
    user: str = "o2c"
    password: str = "o2c-scram-secret"

    @property
    def sasl_bootstrap(self) -> str:
        return f"{self.host}:{self.sasl_port}"

    def _write_config(self) -> Path:
        config = super()._write_config()
        props = dict(line.split("=", 1) for line in config.read_text().splitlines() if "=" in line)
        props.update({
            "listeners": f"{props['listeners']},SASL://{self.host}:{self.sasl_port}",
            "advertised.listeners": f"{props['advertised.listeners']},SASL://{self.host}:{self.sasl_port}",
            "listener.security.protocol.map": f"{props['listener.security.protocol.map']},SASL:SASL_PLAINTEXT",
            "sasl.enabled.mechanisms": MECHANISM,
            f"listener.name.sasl.{MECHANISM.lower()}.sasl.jaas.config":
                "org.apache.kafka.common.security.scram.ScramLoginModule required;",
        })
        config.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        return config

    def _format(self, config: Path) -> None:
        if (self.data_dir / "logs" / "meta.properties").exists():
            return
        result = subprocess.run(
            ["java", "-Xmx256m", f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
             "-cp", self.jars.classpath(), "kafka.tools.StorageTool", "format",
             f"--cluster-id={base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip('=')}", "-c", str(config),
             "--add-scram", f"{MECHANISM}=[name={self.user},password={self.password}]"],
            capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise KafkaStartError(f"kafka storage format failed:\n{result.stdout}{result.stderr}")
