"""The Faust application, configured from the environment (``streams.platform.settings``).

Flow modules import ``app`` and register their agents; ``streams.worker`` imports every flow.
Topics carry raw bytes: events are encoded and validated by ``streams.contract.codec`` at the agent boundary,
so the wire format is exactly the checked-in JSON Schema (no Faust model metadata).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import faust
from pydantic import SecretStr

from connectors.bigcommerce.config import BigCommerceSettings
from connectors.netsuite.config import NetSuiteSettings
from streams.contract.topics import BY_NAME, COMPRESSION, MAX_MESSAGE_BYTES
from streams.platform import commit_guard, kafka_security
from streams.platform.logs import logging_config, register_secrets
from streams.platform.settings import Settings, get_settings
from streams.platform.web_paths import FAUST_VIEWS_OFF, served_paths_only


def _process_started() -> float:
    """The ``time.monotonic()`` at which this process started (from /proc on Linux; else now)."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return time.monotonic() - max(0.0, uptime - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.monotonic()


STARTED = _process_started()  # start-up figures in the worker's logs are seconds since this


def configured_secrets(settings: Settings) -> list[str]:
    """Every credential o2c is configured with, for every system, whichever flows are enabled.

    Every ``SecretStr`` field of the platform's and each connector's settings (a new credential field is
    picked up by itself), the DSN's password, and BigCommerce's webhook secret even when it is derived
    from the access token. What a connector obtains at run time it registers itself
    (``connectors.secrets.register``).
    """
    bigcommerce, netsuite = BigCommerceSettings(), NetSuiteSettings()
    values = [*settings.secrets(), bigcommerce.webhook_secret_value()]
    for model in (bigcommerce, netsuite):
        values += [v.get_secret_value() for _, v in model if isinstance(v, SecretStr) and v.get_secret_value()]
    return values


def create_app(settings: Settings) -> faust.App:
    """The worker's app: Kafka over ``O2C_KAFKA_SECURITY_PROTOCOL``; its web server serves only health and metrics."""
    register_secrets(configured_secrets(settings))
    commit_guard.install()
    return faust.App(
        settings.app_id,
        broker=f"kafka://{settings.bootstrap}",
        broker_credentials=kafka_security.faust_credentials(settings),
        store=settings.store,
        autodiscover=False,
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication,
        key_serializer="raw",
        value_serializer="raw",
        datadir=str(settings.data_dir / "faust"),
        web_enabled=True,
        web_bind=settings.web_host,
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_in_thread=False,
        web_application_options={"middlewares": [served_paths_only]},
        **FAUST_VIEWS_OFF,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        broker_session_timeout=settings.kafka_session_timeout,
        broker_heartbeat_interval=min(3.0, settings.kafka_session_timeout / 3),
        table_standby_replicas=0,
        producer_acks=-1,
        # Large events (a whole order) fit: streams/contract/topics.py sets the one limit for every layer.
        producer_compression_type=COMPRESSION,
        producer_max_request_size=MAX_MESSAGE_BYTES,
        consumer_max_fetch_size=MAX_MESSAGE_BYTES,
        logging_config=logging_config(settings.log_level, settings.log_format),
        worker_redirect_stdouts=False,
    )


settings = get_settings()
app = create_app(settings)


def topic(name: str, **kwargs: Any) -> faust.TopicT:
    """A public topic by name (declared in ``streams.contract.topics``), with o2c's partition count."""
    spec = BY_NAME[name]
    return app.topic(name, partitions=settings.topic_partitions, config=spec.config or None, **kwargs)
