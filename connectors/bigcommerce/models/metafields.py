"""Orders V3 metafields, one by one and in batches (a 422 answer can be a partial success)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from .base import ReadModel, Text, WriteModel

PermissionSet = Literal["app_only", "read", "write", "read_and_sf_access", "write_and_sf_access"]


class Metafield(ReadModel):
    """An order metafield (``Metafield`` in orders.v3.yml); unique per (client, resource, namespace, key)."""

    id: int
    namespace: str
    key: str
    value: str
    permission_set: str = "app_only"
    description: Text = ""
    resource_type: str = "order"
    resource_id: int
    date_created: datetime | None = None
    date_modified: datetime | None = None
    owner_client_id: str | None = None


class OrderMetafieldCreate(WriteModel):
    """One item of ``POST /v3/orders/metafields`` (``MetafieldBase_Post`` + ``resource_id``)."""

    resource_id: int = Field(gt=0)
    namespace: str = Field(min_length=1, max_length=64)
    key: str = Field(min_length=1, max_length=64)
    value: str = Field(min_length=1, max_length=65535)
    permission_set: PermissionSet = "app_only"
    description: str | None = Field(default=None, max_length=255)


class OrderMetafieldUpdate(WriteModel):
    """One item of ``PUT /v3/orders/metafields`` (``MetafieldBase_Post`` + the metafield ``id``)."""

    id: int = Field(gt=0)
    namespace: str = Field(min_length=1, max_length=64)
    key: str = Field(min_length=1, max_length=64)
    value: str = Field(min_length=1, max_length=65535)
    permission_set: PermissionSet = "app_only"
    description: str | None = Field(default=None, max_length=255)


class MetafieldBatchError(ReadModel):
    """One entry of a batch response's ``errors`` (``Error``: status, title, type, errors)."""

    status: int | None = None
    title: Text = ""
    type: Text = ""
    errors: dict[str, Any] = Field(default_factory=dict)


class MetafieldBatchMeta(ReadModel):
    total: int = 0
    success: int = 0
    failed: int = 0


class MetafieldBatchResult(ReadModel):
    """A batch create/update answer: 200 (all written) or 422 partial success (``errors`` not empty).

    ``data`` holds the metafields that were written; the rest of the request was not.
    """

    data: list[Metafield] = Field(default_factory=list)
    errors: list[MetafieldBatchError] = Field(default_factory=list)
    meta: MetafieldBatchMeta = Field(default_factory=MetafieldBatchMeta)

    @property
    def partial(self) -> bool:
        return bool(self.errors) or self.meta.failed > 0
