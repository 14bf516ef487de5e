import base64
import hashlib
import hmac
from urllib.parse import quote

from connectors.netsuite.auth import TokenBasedAuth


def enc(value: str) -> str:
    return quote(value, safe="-._~")


def make_auth(nonce: str = "fjaLirsIcCGVZWzBX0pg", timestamp: str = "1508242306") -> TokenBasedAuth:
    return TokenBasedAuth(
        account_id="123456_sb1",
        consumer_key="ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4",
        consumer_secret="d26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9a8b5",
        token_id="2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc",
        token_secret="c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295",
        nonce=lambda: nonce,
        timestamp=lambda: timestamp,
    )


def header_params(header: str) -> dict[str, str]:
    assert header.startswith("OAuth ")
    out = {}
    for part in header[6:].split(", "):
        key, _, value = part.partition("=")
        out[key] = value.strip('"')
    return out


def test_signature_matches_hand_built_base_string_with_query_params():
    auth = make_auth()
    url = "https://123456-sb1.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql?limit=10&offset=20"
    params = header_params(auth.authorization("POST", url))
    signed = {
        "oauth_consumer_key": "ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4",
        "oauth_nonce": "fjaLirsIcCGVZWzBX0pg",
        "oauth_signature_method": "HMAC-SHA256",
        "oauth_timestamp": "1508242306",
        "oauth_token": "2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc",
        "oauth_version": "1.0",
        "limit": "10",
        "offset": "20",
    }
    param_string = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(signed.items()))
    base = "&".join(
        [
            "POST",
            enc("https://123456-sb1.suitetalk.api.netsuite.com/services/rest/query/v1/suiteql"),
            enc(param_string),
        ]
    )
    assert base.startswith("POST&https%3A%2F%2F123456-sb1.suitetalk.api.netsuite.com%2Fservices%2Frest")
    assert "limit%3D10%26oauth_consumer_key" in base
    key = (
        enc("d26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9a8b5")
        + "&"
        + enc("c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295")
    )
    expected = base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()).decode()
    assert params["oauth_signature"] == enc(expected)
    assert params["realm"] == "123456_SB1"
    assert params["oauth_signature_method"] == "HMAC-SHA256"


def test_every_attempt_gets_a_fresh_nonce_and_signature():
    auth = TokenBasedAuth(
        account_id="1234567_SB1", consumer_key="ck", consumer_secret="cs", token_id="t", token_secret="ts"
    )
    url = "http://127.0.0.1:8702/services/rest/record/v1/customer/1"
    first, second = header_params(auth.authorization("GET", url)), header_params(auth.authorization("GET", url))
    assert first["oauth_nonce"] != second["oauth_nonce"]
    assert len(first["oauth_nonce"]) >= 6
    assert first["oauth_signature"] != second["oauth_signature"]


def test_auth_flow_sets_header_and_repr_hides_secrets():
    import httpx

    auth = make_auth()
    request = httpx.Request("GET", "http://127.0.0.1/services/rest/record/v1/customer/1")
    flow = auth.auth_flow(request)
    signed = next(flow)
    assert signed.headers["Authorization"].startswith('OAuth realm="123456_SB1"')
    assert "d26ad321" not in repr(auth)
