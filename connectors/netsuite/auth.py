"""``httpx.Auth`` implementations for NetSuite: TBA (OAuth 1.0a, HMAC-SHA256) and OAuth 2.0 M2M.

Both re-authenticate every attempt: TBA signs each request with a fresh nonce and timestamp (a
replayed header is rejected as ``NonceUsed``); OAuth 2.0 caches its bearer token until shortly
before expiry and fetches a new one (and retries once) when the server answers 401.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import json
import secrets
import time
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any, Protocol

import httpx
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, SIGNATURE_TYPE_AUTH_HEADER
from oauthlib.oauth1 import Client as OAuth1Client

from connectors.netsuite.config import NetSuiteSettings, realm_for
from connectors.secrets import register as register_secret

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class TokenBasedAuth(httpx.Auth):
    """NetSuite Token-Based Authentication: an OAuth 1.0a ``Authorization`` header per request."""

    requires_request_body = False

    def __init__(
        self,
        *,
        account_id: str,
        consumer_key: str,
        consumer_secret: str,
        token_id: str,
        token_secret: str,
        nonce: Callable[[], str] | None = None,
        timestamp: Callable[[], str] | None = None,
    ) -> None:
        self.realm = realm_for(account_id)
        self._consumer_key = consumer_key
        self._consumer_secret = consumer_secret
        self._token_id = token_id
        self._token_secret = token_secret
        self._nonce = nonce or (lambda: secrets.token_hex(10))
        self._timestamp = timestamp or (lambda: str(int(time.time())))

    def __repr__(self) -> str:
        return f"TokenBasedAuth(realm={self.realm!r})"

    def authorization(self, method: str, url: str) -> str:
        """The ``Authorization`` header value for one attempt (fresh nonce and timestamp)."""
        client = OAuth1Client(
            self._consumer_key,
            client_secret=self._consumer_secret,
            resource_owner_key=self._token_id,
            resource_owner_secret=self._token_secret,
            signature_method=SIGNATURE_HMAC_SHA256,
            signature_type=SIGNATURE_TYPE_AUTH_HEADER,
            realm=self.realm,
            nonce=self._nonce(),
            timestamp=self._timestamp(),
        )
        # JSON bodies are not part of the signature; sign the URL (query included) and the verb only.
        _, headers, _ = client.sign(url, http_method=method.upper())  # type: ignore[arg-type]
        return str(headers["Authorization"])

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self.authorization(request.method, str(request.url))
        yield request

    @classmethod
    def from_settings(cls, settings: NetSuiteSettings) -> TokenBasedAuth:
        return cls(
            account_id=settings.account_id,
            consumer_key=settings.consumer_key.get_secret_value(),
            consumer_secret=settings.consumer_secret.get_secret_value(),
            token_id=settings.token_id.get_secret_value(),
            token_secret=settings.token_secret.get_secret_value(),
        )


class AssertionSigner(Protocol):
    """Signs a JWT signing input (``b64(header).b64(payload)``) for the given algorithm."""

    algorithm: str

    def sign(self, signing_input: bytes) -> bytes: ...


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class CryptographySigner:
    """PS256/384/512 (RSA-PSS) or ES256/384/512 signatures via the ``cryptography`` package.

    ``cryptography`` is imported lazily: the connector works without it in TBA mode, and OAuth 2.0
    raises a clear error when it is missing.
    """

    def __init__(self, private_key_pem: str, algorithm: str = "PS256") -> None:
        self.algorithm = algorithm
        try:
            serialization = importlib.import_module("cryptography.hazmat.primitives.serialization")
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise RuntimeError(
                "OAuth 2.0 client credentials need the 'cryptography' package to sign the JWT assertion"
            ) from exc
        self._key: Any = serialization.load_pem_private_key(private_key_pem.encode(), password=None)

    def sign(self, signing_input: bytes) -> bytes:  # pragma: no cover - needs 'cryptography'
        hashes = importlib.import_module("cryptography.hazmat.primitives.hashes")
        bits = self.algorithm[2:]
        digest = getattr(hashes, f"SHA{bits}")()
        if self.algorithm.startswith("PS"):
            padding = importlib.import_module("cryptography.hazmat.primitives.asymmetric.padding")
            mgf = padding.MGF1(getattr(hashes, f"SHA{bits}")())
            pss = padding.PSS(mgf=mgf, salt_length=digest.digest_size)
            return bytes(self._key.sign(signing_input, pss, digest))
        ec = importlib.import_module("cryptography.hazmat.primitives.asymmetric.ec")
        utils = importlib.import_module("cryptography.hazmat.primitives.asymmetric.utils")
        der = self._key.sign(signing_input, ec.ECDSA(digest))
        r, s = utils.decode_dss_signature(der)
        size = (self._key.curve.key_size + 7) // 8
        return bytes(r.to_bytes(size, "big") + s.to_bytes(size, "big"))


def client_assertion(
    *,
    client_id: str,
    certificate_id: str,
    audience: str,
    scopes: tuple[str, ...],
    signer: AssertionSigner,
    now: float,
    lifetime: int = 300,
) -> str:
    """A NetSuite client-credentials JWT assertion (``exp - iat`` must stay <= 3600 s)."""
    header = {"typ": "JWT", "alg": signer.algorithm, "kid": certificate_id}
    payload = {
        "iss": client_id,
        "scope": list(scopes),
        "aud": audience,
        "iat": int(now),
        "exp": int(now) + lifetime,
        "jti": secrets.token_hex(16),
    }
    signing_input = (
        _b64(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64(json.dumps(payload, separators=(",", ":")).encode())
    )
    return signing_input + "." + _b64(signer.sign(signing_input.encode()))


class ClientCredentialsAuth(httpx.Auth):
    """OAuth 2.0 client credentials with a certificate-signed JWT; the bearer token is cached."""

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        certificate_id: str,
        signer: AssertionSigner,
        scopes: tuple[str, ...] = ("rest_webservices",),
        refresh_margin: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token_url = token_url
        self._client_id = client_id
        self._certificate_id = certificate_id
        self._signer = signer
        self._scopes = scopes
        self._margin = refresh_margin
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self.tokens_issued = 0

    def __repr__(self) -> str:
        return f"ClientCredentialsAuth(client_id={self._client_id!r})"

    def _valid(self) -> bool:
        return self._token is not None and self._clock() < self._expires_at - self._margin

    def _token_request(self) -> httpx.Request:
        assertion = client_assertion(
            client_id=self._client_id,
            certificate_id=self._certificate_id,
            audience=self.token_url,
            scopes=self._scopes,
            signer=self._signer,
            now=self._clock(),
        )
        return httpx.Request(
            "POST",
            self.token_url,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": CLIENT_ASSERTION_TYPE,
                "client_assertion": assertion,
            },
        )

    def _store(self, response: httpx.Response) -> None:
        if response.status_code != 200:
            from connectors.netsuite.errors import AuthenticationError

            raise AuthenticationError("NetSuite refused the client-credentials assertion", status=response.status_code)
        body = response.json()
        self._token = str(body["access_token"])
        register_secret(self._token)
        self._expires_at = self._clock() + float(body.get("expires_in", 3600))
        self.tokens_issued += 1

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        stale: str | None = None
        for _ in range(2):
            async with self._lock:
                if not self._valid() or (stale is not None and self._token == stale):
                    token_response = yield self._token_request()
                    await token_response.aread()
                    self._store(token_response)
                token = self._token
            request.headers["Authorization"] = f"Bearer {token}"
            response = yield request
            if response.status_code != 401:
                return
            stale = token

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("ClientCredentialsAuth supports httpx.AsyncClient only")
