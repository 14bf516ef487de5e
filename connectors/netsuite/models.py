"""Typed shapes of the few NetSuite responses the connector interprets itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Ref(BaseModel):
    """A reference field: ``{"id": "1", "refName": "USD"}``; write it as ``{"id": ...}``."""

    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)

    id: str | None = None
    ref_name: str | None = Field(default=None, alias="refName")
    external_id: str | None = Field(default=None, alias="externalId")


class GovernanceLimits(BaseModel):
    """``GET /services/rest/system/v1/governanceLimits``."""

    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)

    account_concurrency_limit: int = Field(alias="accountConcurrencyLimit")
    account_unallocated_concurrency_limit: int | None = Field(default=None, alias="accountUnallocatedConcurrencyLimit")
    integration_concurrency_limit: int | None = Field(default=None, alias="integrationConcurrencyLimit")
    integration_limit_type: str | None = Field(default=None, alias="integrationLimitType")

    @property
    def usable(self) -> int:
        """Slots for this integration: its own allocation, else the unallocated share, else the account's."""
        if self.integration_limit_type == "integrationSpecific" and self.integration_concurrency_limit:
            return self.integration_concurrency_limit
        if self.account_unallocated_concurrency_limit:
            return self.account_unallocated_concurrency_limit
        return self.account_concurrency_limit


class SuiteQLPage(BaseModel):
    """One page of a SuiteQL result; rows have lower-case keys and string values."""

    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)

    count: int
    offset: int
    has_more: bool = Field(alias="hasMore")
    total_results: int | None = Field(default=None, alias="totalResults")
    items: list[dict[str, Any]]


class AsyncJob(BaseModel):
    """``GET /services/rest/async/v1/job/{id}``."""

    model_config = ConfigDict(frozen=True, extra="allow")

    id: str
    completed: bool
    progress: str


class WriteResult(BaseModel):
    """Outcome of a create, upsert or transform: the record's internal id, and whether it pre-existed."""

    model_config = ConfigDict(frozen=True)

    record_type: str
    id: str
    already_existed: bool = False


class ServerTime(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    server_time: datetime = Field(alias="serverTime")
