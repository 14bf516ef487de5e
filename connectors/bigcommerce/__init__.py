"""BigCommerce connector: settings, async REST client, rate-limit governor, models and a sandbox.

See docs/bigcommerce.md for behaviour, knobs and defaults.
"""

from .client import BigCommerceClient
from .config import BigCommerceSettings
from .errors import AuthError, BigCommerceError, PriceRecordError, PriceRecordsRejected, ValidationError
from .governor import Lane, PacingPolicy, QuotaHeaders, RateLimitGovernor

__all__ = [
    "AuthError",
    "BigCommerceClient",
    "BigCommerceError",
    "BigCommerceSettings",
    "Lane",
    "PacingPolicy",
    "PriceRecordError",
    "PriceRecordsRejected",
    "QuotaHeaders",
    "RateLimitGovernor",
    "ValidationError",
]
