-- The first stores: the sync ledger, exceptions and poller cursors (DESIGN §8, §9).

-- One row per business object and direction: what o2c did with it, and both systems' ids.
CREATE TABLE sync_ledger (
    object_type     text        NOT NULL,   -- order, customer, inventory, fulfilment, refund, payout, price_list
    direction       text        NOT NULL CHECK (direction IN ('bc_to_ns', 'ns_to_bc')),
    source_id       text        NOT NULL,   -- id in the system of record
    target_id       text,                   -- id in the other system once written
    external_id     text,                   -- the deterministic idempotency key (e.g. BC-SO-<store>-<order id>)
    status          text        NOT NULL CHECK (status IN ('pending', 'synced', 'parked', 'failed', 'skipped')),
    attempts        integer     NOT NULL DEFAULT 0,
    last_error      text,
    source_version  text,                   -- e.g. date_modified of the version last synced
    payload_hash    text,                   -- hash of the command last written, so a replay is a no-op
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    synced_at       timestamptz,
    PRIMARY KEY (object_type, direction, source_id)
);
CREATE INDEX sync_ledger_status_idx ON sync_ledger (status, updated_at) WHERE status <> 'synced';
CREATE UNIQUE INDEX sync_ledger_external_id_idx ON sync_ledger (object_type, external_id) WHERE external_id IS NOT NULL;

-- Exceptions: surfaced, owned, explained (DESIGN §9).
CREATE TABLE exceptions (
    id              bigserial   PRIMARY KEY,
    kind            text        NOT NULL,   -- total_mismatch, missing_sku, invalid_event, ...
    object_type     text        NOT NULL,
    bc_id           text,                   -- the BigCommerce id of the object, when known
    ns_id           text,                   -- the NetSuite id of the object, when known
    severity        text        NOT NULL CHECK (severity IN ('info', 'warning', 'error', 'critical')),
    owner           text        NOT NULL CHECK (owner IN ('finance', 'operations', 'customer_service', 'engineering')),
    message         text        NOT NULL,   -- plain English: what happened and what to do
    payload         jsonb,                  -- what is needed to retry
    status          text        NOT NULL DEFAULT 'open'
                                CHECK (status IN ('open', 'retrying', 'resolved', 'auto_resolved')),
    dedupe_key      text        NOT NULL,   -- one open exception per object and kind
    occurrences     integer     NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    resolved_at     timestamptz,
    resolved_by     text,
    resolution_note text
);
CREATE UNIQUE INDEX exceptions_open_dedupe_idx ON exceptions (dedupe_key) WHERE status IN ('open', 'retrying');
CREATE INDEX exceptions_open_idx ON exceptions (owner, kind) WHERE status IN ('open', 'retrying');
CREATE INDEX exceptions_object_idx ON exceptions (object_type, bc_id);

-- Poller watermarks: the last modification time seen per source, with the ids seen at that instant
-- so an overlap window can re-read without re-publishing.
CREATE TABLE cursors (
    name            text        PRIMARY KEY,  -- e.g. bigcommerce:orders, netsuite:items
    watermark       timestamptz NOT NULL,
    seen_ids        text[]      NOT NULL DEFAULT '{}',
    updated_at      timestamptz NOT NULL DEFAULT now()
);
