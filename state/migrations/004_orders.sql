-- Order to cash: the SKU map, customer links, parked orders and the order link table.

-- BigCommerce SKU ↔ NetSuite item (matrix child or simple item), fed by ns.items.
CREATE TABLE sku_map (
    sku             text        PRIMARY KEY,
    ns_id           text        NOT NULL,
    item_type       text        NOT NULL,
    parent_sku      text,
    sellable        boolean     NOT NULL,
    is_inactive     boolean     NOT NULL,
    last_modified   timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Normalised email → the NetSuite customer o2c uses for it (matched or created).
CREATE TABLE customer_links (
    store_hash      text        NOT NULL,
    email_norm      text        NOT NULL,
    ns_id           text        NOT NULL,
    external_id     text,
    matched_by      text        NOT NULL CHECK (matched_by IN ('existing', 'created')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_hash, email_norm)
);

-- Orders waiting on a dependency (a SKU not yet in NetSuite) or on a retry; never dropped.
CREATE TABLE parked_orders (
    store_hash      text        NOT NULL,
    order_id        bigint      NOT NULL,
    reason          text        NOT NULL CHECK (reason IN ('missing_sku', 'retry')),
    missing         text[]      NOT NULL DEFAULT '{}',
    snapshot        jsonb       NOT NULL,
    source_version  timestamptz NOT NULL DEFAULT '-infinity',
    detail          text,
    parked_at       timestamptz NOT NULL DEFAULT now(),
    retry_at        timestamptz NOT NULL DEFAULT now(),
    exception_id    bigint,
    PRIMARY KEY (store_hash, order_id)
);
CREATE INDEX parked_orders_missing_idx ON parked_orders USING gin (missing);

-- One row per BigCommerce order that became (or was held from becoming) a sales order.
CREATE TABLE order_links (
    store_hash      text        NOT NULL,
    order_id        bigint      NOT NULL,
    external_id     text        NOT NULL UNIQUE,
    ns_id           text,
    ns_customer_id  text,
    content_hash    text        NOT NULL,
    source_version  timestamptz NOT NULL,
    status          text        NOT NULL CHECK (status IN ('synced', 'held', 'closed')),
    bc_total        numeric(19, 4) NOT NULL,
    ns_total        numeric(19, 4),
    order_created_at timestamptz,
    synced_at       timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_hash, order_id)
);
