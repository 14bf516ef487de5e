-- B2B prices (streams/prices; state/prices.py): NetSuite price levels → BigCommerce price lists.
--
-- price_lists: the BigCommerce price list each configured NetSuite price level is written to (found by
-- name or created at start; re-created when the merchant deleted it and creating is allowed).
CREATE TABLE price_lists (
    store_hash     text        NOT NULL,
    level_key      text        NOT NULL,   -- the NetSuite price level id
    price_list_id  bigint      NOT NULL,
    name           text        NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_hash, level_key)
);

-- price_records: what each BigCommerce price list record should be (one per level, SKU and currency),
-- and what o2c last wrote. price NULL = the record must not exist (the item has no price at that level:
-- the catalogue price applies). A row is dirty while version <> sent_version; the writer leases a batch
-- (lease_until), writes it, and sets sent_version to the version it wrote, so a change that arrived
-- meanwhile stays dirty (latest wins, never lost). status: ok, invalid (NetSuite's price cannot be sold:
-- price_invalid exception, nothing written), rejected (BigCommerce refused the record: price_sync_failed).
CREATE SEQUENCE price_record_versions;
CREATE TABLE price_records (
    store_hash     text           NOT NULL,
    level_key      text           NOT NULL,
    sku            text           NOT NULL,
    currency       text           NOT NULL,   -- BigCommerce currency code, lower case
    price          numeric(19, 4),
    tiers          jsonb          NOT NULL DEFAULT '[]',
    status         text           NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'invalid', 'rejected')),
    source_modified timestamptz   NOT NULL,   -- the NetSuite item's lastmodifieddate this came from
    version        bigint         NOT NULL DEFAULT nextval('price_record_versions'),
    sent_version   bigint,
    lease_until    timestamptz,
    lease_owner    text,                      -- the writer (process) holding the lease
    audited_at     timestamptz,               -- the last resync that found it in BigCommerce
    updated_at     timestamptz    NOT NULL DEFAULT now(),
    PRIMARY KEY (store_hash, level_key, sku, currency)
);
CREATE INDEX price_records_dirty_idx ON price_records (store_hash, level_key, version)
    WHERE sent_version IS DISTINCT FROM version AND status = 'ok';

-- price_customers: each NetSuite customer's price level and the BigCommerce customer group it means.
-- status: moved (BigCommerce customer in the group), unchanged (already there), unmatched (no BigCommerce
-- customer with that email), left (inactive, no email, or a level o2c does not map: left alone).
CREATE TABLE price_customers (
    store_hash       text        NOT NULL,
    ns_customer_id   text        NOT NULL,
    email            text        NOT NULL DEFAULT '',
    level_key        text,
    group_id         bigint,
    bc_customer_id   bigint,
    status           text        NOT NULL CHECK (status IN ('moved', 'unchanged', 'unmatched', 'left')),
    source_modified  timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_hash, ns_customer_id)
);
CREATE INDEX price_customers_email_idx ON price_customers (store_hash, lower(email));

-- price_resyncs: each comparison of BigCommerce's price lists with what NetSuite says, by list.
CREATE TABLE price_resyncs (
    id           bigserial   PRIMARY KEY,
    store_hash   text        NOT NULL,
    trigger      text        NOT NULL,
    dry_run      boolean     NOT NULL,
    checked      integer     NOT NULL,
    drift        jsonb       NOT NULL,     -- {list name: {"missing": n, "differs": n, "extra": n}}
    unmatched_customers integer NOT NULL DEFAULT 0,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL DEFAULT now()
);
