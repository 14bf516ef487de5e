-- Inventory (issue 6): the BigCommerce SKU map, order holds and resync reports.

-- BigCommerce SKU → what an inventory adjustment must name: the variant (tracking 'variant') or the
-- product (tracking 'product'); 'none' = not tracked, never written. Refreshed from the catalogue.
CREATE TABLE bc_inventory_items (
    store_hash      text        NOT NULL,
    sku             text        NOT NULL,
    product_id      bigint      NOT NULL,
    variant_id      bigint,
    tracking        text        NOT NULL CHECK (tracking IN ('variant', 'product', 'none')),
    refreshed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_hash, sku)
);

-- Stock the storefront sold that NetSuite does not show yet (docs/inventory.md, "orders in between"):
-- one row per BigCommerce order and SKU, subtracted from the published quantity until a NetSuite
-- reading taken after the sales order was written arrives (then released_at is set).
CREATE TABLE inventory_holds (
    store_hash      text        NOT NULL,
    order_id        bigint      NOT NULL,
    sku             text        NOT NULL,
    quantity        numeric(19, 4) NOT NULL,
    order_status    integer     NOT NULL,
    order_modified  timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    released_at     timestamptz,
    PRIMARY KEY (store_hash, order_id, sku)
);
CREATE INDEX inventory_holds_active_idx ON inventory_holds (sku) WHERE released_at IS NULL;

-- One row per comparison with BigCommerce (scheduled, at start or on demand).
CREATE TABLE inventory_resyncs (
    id              bigserial   PRIMARY KEY,
    trigger         text        NOT NULL,
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz NOT NULL DEFAULT now(),
    checked         integer     NOT NULL,
    drifted         integer     NOT NULL,
    pushed          integer     NOT NULL,
    unmapped        integer     NOT NULL,
    details         jsonb       NOT NULL DEFAULT '[]'
);
