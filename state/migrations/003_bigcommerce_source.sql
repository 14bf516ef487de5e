-- The BigCommerce change source (connectors/bigcommerce/source.py). Watermarks live in ``cursors``.

-- Webhook deliveries already taken, by the payload ``hash`` BigCommerce repeats on every delivery of
-- one event: a duplicate (or a redelivery after a restart) is dropped. Rows older than the dedupe
-- TTL (O2C_BC_WEBHOOK_DEDUPE_TTL) are deleted by the hook check.
CREATE TABLE bc_webhook_receipts (
    store_hash      text        NOT NULL,
    hash            text        NOT NULL,
    scope           text        NOT NULL,
    resource_id     text,                   -- the order id the hook was about
    received_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_hash, hash)
);
CREATE INDEX bc_webhook_receipts_received_idx ON bc_webhook_receipts (received_at);

-- Versions already published on bc.orders / bc.refunds, so that the webhook path and the catch-up
-- poller do not publish one version twice (consumers still dedupe on event_id). Order rows older
-- than the dedupe TTL are deleted by the hook check; refund rows are kept (a refund never changes).
CREATE TABLE bc_published (
    store_hash      text        NOT NULL,
    kind            text        NOT NULL CHECK (kind IN ('order', 'refund')),
    resource_id     bigint      NOT NULL,   -- order id or refund id
    version         text        NOT NULL,   -- order: date_modified (ISO-8601); refund: ''
    event_id        text        NOT NULL,
    published_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_hash, kind, resource_id, version)
);
CREATE INDEX bc_published_age_idx ON bc_published (published_at) WHERE kind = 'order';
