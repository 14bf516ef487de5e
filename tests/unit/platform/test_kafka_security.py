"""O2C_KAFKA_* → aiokafka's and Faust's connection options, and the combinations refused in plain words."""

from __future__ import annotations

import datetime
import ssl
from pathlib import Path
from typing import Any

import faust
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

from streams.platform import kafka_security
from streams.platform.settings import ConfigurationError, Settings

EXTERNAL = {"kafka_bootstrap": "kafka.example:9093"}


def settings(**values: Any) -> Settings:
    return Settings.model_validate({**EXTERNAL, **values})


@pytest.fixture(scope="module")
def pem(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A self-signed CA certificate, and a client certificate and key (as a Strimzi KafkaUser's secret has)."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "o2c")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    paths = {"ca": folder / "ca.crt", "cert": folder / "user.crt", "key": folder / "user.key"}
    paths["ca"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return paths


def test_plaintext_is_the_default_and_faust_gets_no_credentials() -> None:
    plain = Settings()
    assert plain.kafka_security_protocol == "PLAINTEXT" and plain.kafka_sasl_mechanism == "SCRAM-SHA-512"
    assert kafka_security.client_options(plain) == {"security_protocol": "PLAINTEXT"}
    assert kafka_security.faust_credentials(plain) is None


def test_sasl_plaintext_scram_maps_to_aiokafka_and_faust_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("O2C_KAFKA_BOOTSTRAP", "kafka.example:9092")
    monkeypatch.setenv("O2C_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("O2C_KAFKA_SASL_USERNAME", "o2c")
    monkeypatch.setenv("O2C_KAFKA_SASL_PASSWORD", "kafka-pass-77")
    configured = Settings()
    options = kafka_security.client_options(configured)
    assert options == {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "SCRAM-SHA-512",
                       "sasl_plain_username": "o2c", "sasl_plain_password": "kafka-pass-77"}
    credentials = kafka_security.faust_credentials(configured)
    assert isinstance(credentials, faust.SASLCredentials)
    assert dict(credentials_to_aiokafka_auth(credentials)) == {**options, "ssl_context": None}
    assert "kafka-pass-77" not in repr(configured) and "kafka-pass-77" in configured.secrets()


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "PLAIN"])
def test_sasl_ssl_carries_the_mechanism_and_a_verifying_tls_context(mechanism: str, pem: dict[str, Path]) -> None:
    configured = settings(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism=mechanism,
                          kafka_sasl_username="o2c", kafka_sasl_password="pw", kafka_ssl_cafile=pem["ca"])
    options = kafka_security.client_options(configured)
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert (options["security_protocol"], options["sasl_mechanism"]) == ("SASL_SSL", mechanism)
    auth = credentials_to_aiokafka_auth(kafka_security.faust_credentials(configured))
    assert (auth["security_protocol"], auth["sasl_mechanism"], auth["sasl_plain_username"]) == (
        "SASL_SSL", mechanism, "o2c")
    assert isinstance(auth["ssl_context"], ssl.SSLContext)


def test_mutual_tls_loads_the_client_certificate(pem: dict[str, Path]) -> None:
    configured = settings(kafka_security_protocol="SSL", kafka_ssl_cafile=pem["ca"], kafka_ssl_certfile=pem["cert"],
                          kafka_ssl_keyfile=pem["key"])
    options = kafka_security.client_options(configured)
    assert set(options) == {"security_protocol", "ssl_context"} and options["security_protocol"] == "SSL"
    credentials = kafka_security.faust_credentials(configured)
    assert isinstance(credentials, faust.SSLCredentials)
    assert credentials_to_aiokafka_auth(credentials)["security_protocol"] == "SSL"
    assert kafka_security.describe(configured) == "SSL with client certificate user.crt"


@pytest.mark.parametrize(("values", "says"), [
    ({"kafka_security_protocol": "SASL_SSL", "kafka_sasl_password": "pw"},
     "O2C_KAFKA_SECURITY_PROTOCOL is SASL_SSL but O2C_KAFKA_SASL_USERNAME is not set"),
    ({"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_username": "o2c"},
     "O2C_KAFKA_SECURITY_PROTOCOL is SASL_PLAINTEXT but O2C_KAFKA_SASL_PASSWORD is not set"),
    ({"kafka_sasl_username": "o2c", "kafka_sasl_password": "pw"},
     "O2C_KAFKA_SECURITY_PROTOCOL is PLAINTEXT, which sends no credentials"),
    ({"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_username": "o2c", "kafka_sasl_password": "pw",
      "kafka_ssl_cafile": "/etc/ca.crt"}, "O2C_KAFKA_SSL_CAFILE is set but O2C_KAFKA_SECURITY_PROTOCOL is "
                                          "SASL_PLAINTEXT, which does not use TLS"),
    ({"kafka_security_protocol": "SSL", "kafka_ssl_cafile": "/nonexistent/ca.crt"},
     "O2C_KAFKA_SSL_CAFILE is /nonexistent/ca.crt, which is not a readable file"),
    ({"kafka_security_protocol": "SSL", "kafka_bootstrap": None},
     "O2C_KAFKA_BOOTSTRAP is not set, and the local broker o2c runs speaks PLAINTEXT only"),
])
def test_combinations_that_cannot_work_are_refused_in_plain_words(values: dict[str, Any], says: str) -> None:
    configured = settings(**values)
    assert any(says in problem for problem in kafka_security.problems(configured)), kafka_security.problems(configured)
    with pytest.raises(ConfigurationError, match="Kafka security settings cannot work"):
        kafka_security.client_options(configured)


def test_a_key_without_its_certificate_and_a_bad_pem_are_refused(pem: dict[str, Path], tmp_path: Path) -> None:
    alone = settings(kafka_security_protocol="SSL", kafka_ssl_keyfile=pem["key"])
    assert kafka_security.problems(alone) == [
        "O2C_KAFKA_SSL_KEYFILE is set without O2C_KAFKA_SSL_CERTFILE: mutual TLS needs the client certificate too"]
    garbage = tmp_path / "ca.crt"
    garbage.write_text("not a certificate")
    with pytest.raises(ConfigurationError, match=r"O2C_KAFKA_SSL_CAFILE .* could not be read as PEM"):
        kafka_security.client_options(settings(kafka_security_protocol="SSL", kafka_ssl_cafile=garbage))
    with pytest.raises(ConfigurationError, match=r"O2C_KAFKA_SSL_CERTFILE .* could not be loaded"):
        kafka_security.client_options(settings(kafka_security_protocol="SSL", kafka_ssl_certfile=pem["ca"],
                                               kafka_ssl_keyfile=garbage))
