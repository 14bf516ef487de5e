"""Typed shapes of the few NetSuite responses the connector interprets itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from connectors.http import ConnectorError
from connectors.netsuite.errors import ErrorDetail, error_from_details


def id_from_location(location: str | None) -> str | None:
    """``https://…/record/v1/salesOrder/123`` -> ``"123"``."""
    if not location:
        return None
    return location.rstrip("/").rsplit("/", 1)[-1] or None


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


class TaskResult(BaseModel):
    """One task of an async job (one record of a batch) and, once it completed, its result.

    ``progress`` is NetSuite's (``pending``, ``succeeded``, ``failed``; other values are possible).
    A completed task has the HTTP ``status`` its request would have had: a successful write carries
    the record's ``Location`` (and ``record_id`` from it), a failure NetSuite's error code and message.
    """

    model_config = ConfigDict(frozen=True)

    task_id: str
    progress: str
    completed: bool
    status: int | None = None
    location: str | None = None
    #: The result's body when it has one (an async GET's record); ``None`` for a 204 write.
    body: Any = None
    error_code: str | None = None
    error_message: str | None = None
    error_details: tuple[ErrorDetail, ...] = ()

    @property
    def succeeded(self) -> bool:
        return self.completed and self.status is not None and self.status < 400

    @property
    def record_id(self) -> str | None:
        """The written record's internal id, from ``location``."""
        return id_from_location(self.location)

    def error(self) -> ConnectorError | None:
        """The failure as the client would have raised it for a synchronous request, else ``None``."""
        if self.status is None or self.status < 400:
            return None
        return error_from_details(self.status, list(self.error_details))


class WriteResult(BaseModel):
    """Outcome of a create, upsert or transform: the record's internal id, and whether it pre-existed."""

    model_config = ConfigDict(frozen=True)

    record_type: str
    id: str
    already_existed: bool = False


class ServerTime(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    server_time: datetime = Field(alias="serverTime")
