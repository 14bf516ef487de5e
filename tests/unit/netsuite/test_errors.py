import json

from connectors.http import (
    AlreadyExistsError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    RereadError,
    RetryableError,
)
from connectors.netsuite.errors import AuthenticationError, error_from_response


def body(status: int, code: str, detail: str, **extra) -> bytes:
    return json.dumps(
        {
            "type": "x",
            "title": "t",
            "status": status,
            "o:errorDetails": [{"detail": detail, "o:errorCode": code}],
            **extra,
        }
    ).encode()


def test_429_concurrency_limit_is_rate_limited():
    error = error_from_response(
        429,
        body(
            429,
            "CONCURRENCY_LIMIT_EXCEEDED",
            "Concurrent request limit exceeded. Request blocked.",
            **{"o:errorCode": "USER_ERROR"},
        ),
    )
    assert isinstance(error, RateLimitedError)
    assert error.code == "CONCURRENCY_LIMIT_EXCEEDED"
    assert error.status == 429


def test_5xx_and_garbage_are_retryable():
    assert isinstance(error_from_response(500, body(500, "UNEXPECTED_ERROR", "An unexpected error")), RetryableError)
    assert isinstance(error_from_response(503, b"<html>down</html>"), RetryableError)


def test_record_changed_and_workflow_lock_are_reread():
    changed = error_from_response(400, body(400, "RCRD_HAS_BEEN_CHANGED", "Record has been changed."))
    locked = error_from_response(
        400,
        body(
            400,
            "USER_ERROR",
            "Error while accessing a resource. This record has been locked by a user defined workflow.",
        ),
    )
    assert isinstance(changed, RereadError)
    assert isinstance(locked, RereadError)


def test_already_exists_not_found_auth_and_validation():
    exists = error_from_response(
        400, body(400, "USER_ERROR", "Error while accessing a resource. This entity already exists.")
    )
    assert isinstance(exists, AlreadyExistsError)
    assert isinstance(error_from_response(404, body(404, "NONEXISTENT_ID", "Record does not exist.")), NotFoundError)
    assert isinstance(
        error_from_response(401, body(401, "INVALID_LOGIN", "Invalid login attempt.")), AuthenticationError
    )
    invalid = error_from_response(
        400,
        json.dumps(
            {
                "status": 400,
                "o:errorDetails": [
                    {
                        "detail": "Invalid Field Value 9999 for field: item",
                        "o:errorCode": "INVALID_CONTENT",
                        "o:errorPath": "item.items[0].item",
                    }
                ],
            }
        ).encode(),
    )
    assert type(invalid) is PermanentError
    assert invalid.details[0].path == "item.items[0].item"
    assert isinstance(error_from_response(403, body(403, "INSUFFICIENT_PERMISSION", "no")), PermanentError)
