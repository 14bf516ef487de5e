"""How every Kafka client of o2c connects: TLS and SASL from the ``O2C_KAFKA_*`` settings.

One mapping for all of them: :func:`client_options` gives the keyword arguments of aiokafka's clients
(the admin client of ``topic_admin``, the resync's consumer, …) and :func:`faust_credentials` the same
connection as Faust's ``broker_credentials``. :func:`check` explains in plain words a combination that
cannot work (SASL without a user, a client key without its certificate, a file that is not there).
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import faust
from faust.types.auth import CredentialsT

from streams.platform.settings import ConfigurationError, Settings

SASL = ("SASL_PLAINTEXT", "SASL_SSL")
TLS = ("SSL", "SASL_SSL")


def problems(settings: Settings) -> list[str]:
    """Every reason the Kafka security settings cannot work, one sentence each (empty when they can)."""
    protocol = settings.kafka_security_protocol
    found = []
    password = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else ""
    if protocol in SASL:
        if not settings.kafka_sasl_username:
            found.append(f"O2C_KAFKA_SECURITY_PROTOCOL is {protocol} but O2C_KAFKA_SASL_USERNAME is not set: "
                         "set the Kafka user o2c signs in as")
        if not password:
            found.append(f"O2C_KAFKA_SECURITY_PROTOCOL is {protocol} but O2C_KAFKA_SASL_PASSWORD is not set: "
                         "set the Kafka user's password")
    elif settings.kafka_sasl_username or password:
        found.append(f"O2C_KAFKA_SASL_USERNAME / O2C_KAFKA_SASL_PASSWORD are set but O2C_KAFKA_SECURITY_PROTOCOL is "
                     f"{protocol}, which sends no credentials: use SASL_SSL (or SASL_PLAINTEXT), or unset them")
    files = {"O2C_KAFKA_SSL_CAFILE": settings.kafka_ssl_cafile, "O2C_KAFKA_SSL_CERTFILE": settings.kafka_ssl_certfile,
             "O2C_KAFKA_SSL_KEYFILE": settings.kafka_ssl_keyfile}
    if protocol not in TLS:
        given = [name for name, path in files.items() if path is not None]
        if given:
            found.append(f"{' and '.join(given)} {'is' if len(given) == 1 else 'are'} set but "
                         f"O2C_KAFKA_SECURITY_PROTOCOL is {protocol}, which does not use TLS: use SSL or SASL_SSL, "
                         "or unset them")
    else:
        for name, path in files.items():
            if path is not None and not path.is_file():
                found.append(f"{name} is {path}, which is not a readable file")
        if settings.kafka_ssl_keyfile is not None and settings.kafka_ssl_certfile is None:
            found.append("O2C_KAFKA_SSL_KEYFILE is set without O2C_KAFKA_SSL_CERTFILE: mutual TLS needs the client "
                         "certificate too")
    if protocol != "PLAINTEXT" and settings.local_kafka:
        found.append(f"O2C_KAFKA_SECURITY_PROTOCOL is {protocol} but O2C_KAFKA_BOOTSTRAP is not set, and the local "
                     "broker o2c runs speaks PLAINTEXT only: set O2C_KAFKA_BOOTSTRAP to your cluster")
    return found


def check(settings: Settings) -> None:
    """Raise :class:`ConfigurationError` naming every problem :func:`problems` finds."""
    found = problems(settings)
    if found:
        raise ConfigurationError("Kafka security settings cannot work: " + "; ".join(found) + ".")


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """The TLS context of SSL and SASL_SSL (the CA file or the system's CAs, the client certificate if any)."""
    if settings.kafka_security_protocol not in TLS:
        return None
    cafile = settings.kafka_ssl_cafile
    try:
        context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    except (OSError, ssl.SSLError) as error:
        raise ConfigurationError(f"O2C_KAFKA_SSL_CAFILE ({cafile}) could not be read as PEM certificates: "
                                 f"{error}") from None
    if settings.kafka_ssl_certfile is not None:
        keyfile = settings.kafka_ssl_keyfile
        try:
            context.load_cert_chain(str(settings.kafka_ssl_certfile), str(keyfile) if keyfile else None)
        except (OSError, ssl.SSLError) as error:
            raise ConfigurationError(
                f"O2C_KAFKA_SSL_CERTFILE ({settings.kafka_ssl_certfile}) and O2C_KAFKA_SSL_KEYFILE ({keyfile}) could "
                f"not be loaded as a PEM certificate and its private key: {error}") from None
    return context


def client_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for any aiokafka client (producer, consumer, admin), after :func:`check`."""
    check(settings)
    protocol = settings.kafka_security_protocol
    options: dict[str, Any] = {"security_protocol": protocol}
    if protocol in TLS:
        options["ssl_context"] = ssl_context(settings)
    if protocol in SASL:
        assert settings.kafka_sasl_password is not None
        options.update(sasl_mechanism=settings.kafka_sasl_mechanism, sasl_plain_username=settings.kafka_sasl_username,
                       sasl_plain_password=settings.kafka_sasl_password.get_secret_value())
    return options


def faust_credentials(settings: Settings) -> CredentialsT | None:
    """The same connection as Faust's ``broker_credentials`` (None: PLAINTEXT)."""
    options = client_options(settings)
    protocol = options["security_protocol"]
    if protocol == "SSL":
        return faust.SSLCredentials(options["ssl_context"])
    if protocol in SASL:
        return faust.SASLCredentials(username=options["sasl_plain_username"],
                                     password=options["sasl_plain_password"], mechanism=options["sasl_mechanism"],
                                     ssl_context=options.get("ssl_context"))
    return None


def describe(settings: Settings) -> str:
    """A log-safe summary of the connection (no secret), e.g. ``SASL_SSL SCRAM-SHA-512 as o2c``."""
    protocol = settings.kafka_security_protocol
    parts: list[str] = [protocol]
    if protocol in SASL:
        parts += [settings.kafka_sasl_mechanism, f"as {settings.kafka_sasl_username}"]
    if protocol in TLS and settings.kafka_ssl_certfile is not None:
        parts.append(f"with client certificate {Path(settings.kafka_ssl_certfile).name}")
    return " ".join(parts)
