from connectors.bigcommerce.errors import AuthError, ValidationError, error_for, reset_seconds
from connectors.http import (
    NotFoundError,
    PermanentError,
    RateLimitedError,
    RetryableError,
)


def test_429_is_rate_limited_with_reset():
    err = error_for(429, {"status": 429, "title": "Too many"}, {"X-Rate-Limit-Time-Reset-Ms": "1500"})
    assert isinstance(err, RateLimitedError)
    assert err.retry_after == 1.5


def test_429_without_headers_has_no_retry_after():
    err = error_for(429, None, {})
    assert isinstance(err, RateLimitedError) and err.retry_after is None


def test_x_retry_after_is_a_fallback():
    assert reset_seconds({"X-Retry-After": "15"}) == 15.0


def test_5xx_and_timeouts_are_retryable():
    for status in (500, 502, 503, 504, 408):
        assert isinstance(error_for(status, None, {}), RetryableError)


def test_v3_validation_keeps_title_and_errors():
    body = {"status": 422, "title": "JSON data is missing or invalid", "errors": {"price": "must be positive"}}
    err = error_for(422, body, {})
    assert isinstance(err, ValidationError) and isinstance(err, PermanentError)
    assert "JSON data is missing or invalid" in str(err)
    assert "price" in err.message
    assert err.status == 422


def test_v2_array_error_body():
    body = [{"status": 400, "message": "The field 'item_total' cannot be written to."}]
    err = error_for(400, body, {})
    assert isinstance(err, ValidationError)
    assert err.message == "The field 'item_total' cannot be written to."


def test_batch_errors_are_joined():
    body = {"batch_errors": [{"status": 422, "title": "Variant 1 not found"}, {"title": "Variant 2 not found"}]}
    assert "Variant 2" in error_for(422, body, {}).message


def test_404_and_auth():
    assert isinstance(error_for(404, None, {}), NotFoundError)
    assert isinstance(error_for(401, {"title": "no"}, {}), AuthError)
    assert isinstance(error_for(403, None, {}), PermanentError)
