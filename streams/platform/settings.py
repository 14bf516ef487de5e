"""Platform settings, read from the environment (prefix ``O2C_``); secrets are ``SecretStr``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every platform knob, with its default. The README lists them; a test keeps the list true."""

    model_config = SettingsConfigDict(env_prefix="O2C_", extra="ignore", frozen=True)

    app_id: str = Field("o2c", description="Faust app id: the consumer group and the prefix of internal topics.")
    data_dir: Path = Field(Path(".local"), description="Local state: Kafka and PostgreSQL data, jars, logs.")
    kafka_bootstrap: str | None = Field(
        None, description="Bootstrap servers of an existing cluster; unset = the local broker below."
    )
    kafka_host: str = Field("127.0.0.1", description="Address the local broker binds to.")
    kafka_port: int = Field(9092, description="Local broker's client port.")
    kafka_controller_port: int = Field(9093, description="Local broker's KRaft controller port.")
    kafka_heap: str = Field("1g", description="Local broker's maximum Java heap.")
    kafka_session_timeout: float = Field(
        45.0, description="Seconds before the group coordinator evicts a silent worker (then rebalances)."
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="How every Kafka client of o2c connects (streams.platform.kafka_security)."
    )
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = Field(
        "SCRAM-SHA-512", description="SASL mechanism (SASL_PLAINTEXT and SASL_SSL)."
    )
    kafka_sasl_username: str | None = Field(None, description="SASL user (a Strimzi KafkaUser's name).")
    kafka_sasl_password: SecretStr | None = Field(None, description="SASL password.")
    kafka_ssl_cafile: Path | None = Field(None, description="CA certificate(s) the brokers' certificates are checked "
                                          "against; unset = the system's CAs.")
    kafka_ssl_certfile: Path | None = Field(None, description="Client certificate (mutual TLS).")
    kafka_ssl_keyfile: Path | None = Field(None, description="Client certificate's private key (mutual TLS).")
    topic_partitions: int = Field(4, description="Partitions of every o2c topic (the scaling ceiling).")
    topic_replication: int = Field(1, description="Replication factor of o2c topics (3 in production).")
    database_url: SecretStr | None = Field(
        None, description="PostgreSQL DSN; unset = the embedded PostgreSQL below."
    )
    pg_port: int = Field(55432, description="Embedded PostgreSQL's port on 127.0.0.1.")
    web_host: str = Field("127.0.0.1", description="Worker web server address (/healthz, /readyz, /metrics).")
    web_port: int = Field(6066, description="Worker web server port.")
    webhook_host: str = Field("127.0.0.1", description="Worker webhook server address (POST /webhooks/* only).")
    webhook_port: int = Field(6067, description="Worker webhook server port.")
    sandbox_mode: bool = Field(
        False, description="Let the worker start against the local sandboxes and their default credentials."
    )
    store: str = Field("memory://", description="Faust table store; tables are rebuilt from their changelogs.")
    heartbeat_interval: float = Field(5.0, description="Seconds between heartbeat events; 0 turns them off.")
    log_level: Literal["debug", "info", "warning", "error"] = Field("info", description="Log level.")
    log_format: Literal["json", "console"] = Field("json", description="JSON lines, or a human console format.")
    demo_bigcommerce_port: int = Field(8701, description="`o2c run --demo`: the BigCommerce sandbox's port.")
    demo_netsuite_port: int = Field(8702, description="`o2c run --demo`: the NetSuite sandbox's port.")
    demo_stripe_port: int = Field(8703, description="`o2c run --demo`: the Stripe sandbox's port.")

    @property
    def bootstrap(self) -> str:
        return self.kafka_bootstrap or f"{self.kafka_host}:{self.kafka_port}"

    @property
    def local_kafka(self) -> bool:
        """True when o2c runs its own broker (no external cluster configured)."""
        return self.kafka_bootstrap is None

    @property
    def local_postgres(self) -> bool:
        return self.database_url is None

    @property
    def dsn(self) -> str:
        """The DSN to connect with (the embedded server's when none is configured)."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/o2c"

    def secrets(self) -> list[str]:
        """Secret values, so the log redactor can mask them wherever they appear (the DSN and its password,
        the Kafka SASL password)."""
        kafka = [self.kafka_sasl_password.get_secret_value()] if self.kafka_sasl_password else []
        return [*(v for v in kafka if v), *self._dsn_secrets()]

    def _dsn_secrets(self) -> list[str]:
        if self.database_url is None or not self.database_url.get_secret_value():
            return []
        dsn = self.database_url.get_secret_value()
        try:
            password = urlsplit(dsn).password
        except ValueError:  # not a URL (a libpq key=value string): the whole DSN is still masked
            password = None
        return [dsn, *([password] if password else [])]


class ConfigurationError(Exception):
    """A setting, or a combination of settings, o2c refuses to start with; the message names the setting."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
