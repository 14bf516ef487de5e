"""Request authentication as NetSuite does it: TBA signature verification and OAuth 2.0 bearers.

TBA: the HMAC-SHA256 signature is recomputed with oauthlib from the request line (scheme, host,
path and query as received) and the known secrets; realm, consumer key, token, signature method,
version, nonce length (>= 6), timestamp (±300 s) and nonce reuse are checked.

OAuth 2.0: ``/services/rest/auth/oauth2/v1/token`` accepts a client-credentials JWT assertion. The
sandbox checks its structure and claims (``alg`` PS*/ES*, ``kid``, ``iss``, ``aud``, ``iat``/``exp``)
and, when ``certificate_public_key_pem`` is configured, verifies the signature with ``cryptography``
(RSA-PSS for PS*, ECDSA for ES*), as NetSuite does with the certificate uploaded for the client.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from oauthlib.oauth1 import Client
from oauthlib.oauth1.rfc5849 import signature, utils

from connectors.netsuite.config import realm_for
from connectors.netsuite.sandbox.config import SandboxConfig

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALLOWED_ALGS = {"PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}


class AuthFailure(Exception):
    """Authentication failed; ``reason`` is what the Login Audit Trail would show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Authenticator:
    config: SandboxConfig
    seen_nonces: dict[tuple[str, str], float] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)

    # -- TBA --------------------------------------------------------------------------------------

    def verify_tba(self, method: str, url: str, header: str) -> None:
        cfg = self.config
        try:
            params = {k: utils.unescape(v) for k, v in utils.parse_authorization_header(header)}
        except (ValueError, IndexError) as exc:
            raise AuthFailure("InvalidHeader") from exc
        if params.get("realm", "") != realm_for(cfg.account_id):
            raise AuthFailure("InvalidRealm")
        if params.get("oauth_signature_method") != "HMAC-SHA256":
            raise AuthFailure("UnknownAlgorithm")
        if params.get("oauth_version", "1.0") != "1.0":
            raise AuthFailure("VersionRejected")
        if params.get("oauth_consumer_key") != cfg.consumer_key:
            raise AuthFailure("consumer_key_unknown")
        if params.get("oauth_token") != cfg.token_id:
            raise AuthFailure("token_rejected")
        nonce = params.get("oauth_nonce", "")
        if len(nonce) < 6:
            raise AuthFailure("nonce_rejected")
        try:
            stamp = int(params.get("oauth_timestamp", ""))
        except ValueError as exc:
            raise AuthFailure("InvalidTimestamp") from exc
        now = time.time() + cfg.clock_offset_seconds
        if abs(now - stamp) > cfg.timestamp_tolerance:
            raise AuthFailure("InvalidTimestamp")
        collected = signature.collect_parameters(
            uri_query=urlsplit(url).query,
            headers={"Authorization": header},
            exclude_oauth_signature=True,
            with_realm=False,
        )
        normalized = signature.normalize_parameters(collected)  # type: ignore[arg-type]
        base = signature.signature_base_string(
            method.upper(),  # type: ignore[arg-type]
            signature.base_string_uri(url),
            normalized,
        )
        signer = Client(cfg.consumer_key, client_secret=cfg.consumer_secret, resource_owner_secret=cfg.token_secret)
        expected = signature.sign_hmac_sha256_with_client(base, signer)  # type: ignore[no-untyped-call]
        if not hmac.compare_digest(expected, params.get("oauth_signature", "")):
            raise AuthFailure("InvalidSignature")
        key = (nonce, str(stamp))
        if key in self.seen_nonces:
            raise AuthFailure("NonceUsed")
        self.seen_nonces[key] = now
        if len(self.seen_nonces) > 100_000:
            horizon = now - 2 * cfg.timestamp_tolerance
            self.seen_nonces = {k: v for k, v in self.seen_nonces.items() if v > horizon}

    # -- OAuth 2.0 ------------------------------------------------------------------------------

    def issue_token(self, form: dict[str, str], token_url: str) -> dict[str, Any]:
        if form.get("grant_type") != "client_credentials":
            raise AuthFailure("unsupported_grant_type")
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise AuthFailure("invalid_request")
        claims = self._decode_assertion(form.get("client_assertion", ""), token_url)
        if claims.get("iss") != self.config.client_id:
            raise AuthFailure("invalid_client")
        token = secrets.token_urlsafe(32)
        self.tokens[token] = time.time() + self.config.token_ttl
        return {"access_token": token, "expires_in": self.config.token_ttl, "token_type": "Bearer"}

    def _decode_assertion(self, assertion: str, token_url: str) -> dict[str, Any]:
        parts = assertion.split(".")
        if len(parts) != 3:
            raise AuthFailure("invalid_request")
        try:
            header = json.loads(_unb64(parts[0]))
            claims: dict[str, Any] = json.loads(_unb64(parts[1]))
        except ValueError as exc:
            raise AuthFailure("invalid_request") from exc
        if header.get("alg") not in ALLOWED_ALGS or header.get("kid") != self.config.certificate_id:
            raise AuthFailure("invalid_client")
        if self.config.certificate_public_key_pem:
            verify_jws(self.config.certificate_public_key_pem, str(header["alg"]), parts)
        if claims.get("aud") != token_url:
            raise AuthFailure("invalid_grant")
        now = time.time()
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int) or not isinstance(exp, int) or exp - iat > 3600 or exp < now or iat > now + 300:
            raise AuthFailure("invalid_grant")
        return claims

    def verify_bearer(self, token: str) -> None:
        expires = self.tokens.get(token)
        if expires is None or expires < time.time():
            raise AuthFailure("invalid_token")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_jws(public_key_pem: str, algorithm: str, parts: list[str]) -> None:
    """Check a compact JWS signature (``PS256``… or ``ES256``…) against a PEM public key or certificate."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

    pem = public_key_pem.encode()
    key = (x509.load_pem_x509_certificate(pem).public_key() if b"CERTIFICATE" in pem
           else serialization.load_pem_public_key(pem))
    bits = algorithm[2:]
    digest: hashes.HashAlgorithm = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}[bits]
    mgf_digest: hashes.HashAlgorithm = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}[bits]
    signing_input = f"{parts[0]}.{parts[1]}".encode()
    signature_bytes = _unb64(parts[2])
    try:
        if algorithm.startswith("PS") and isinstance(key, rsa.RSAPublicKey):
            pss = padding.PSS(mgf=padding.MGF1(mgf_digest), salt_length=digest.digest_size)
            key.verify(signature_bytes, signing_input, pss, digest)
        elif algorithm.startswith("ES") and isinstance(key, ec.EllipticCurvePublicKey):
            size = len(signature_bytes) // 2
            der = utils.encode_dss_signature(int.from_bytes(signature_bytes[:size], "big"),
                                             int.from_bytes(signature_bytes[size:], "big"))
            key.verify(der, signing_input, ec.ECDSA(digest))
        else:
            raise AuthFailure("invalid_client")
    except (InvalidSignature, ValueError) as exc:
        raise AuthFailure("invalid_client") from exc
