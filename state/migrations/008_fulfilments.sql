-- Fulfilments → BigCommerce shipments (streams/fulfilments, state/fulfilments.py).
--
-- fulfilment_shipments: one row per store, NetSuite item fulfilment and package key ('1' for a single
-- package, 'c:<carton>' per carton, '@<address>' appended for a split by shipping address, '*' = the
-- fulfilment was deleted in NetSuite). 'pending' is written before the shipment is POSTed: a pending row
-- found later means a crash may have come between BigCommerce's answer and this table, so the shipment
-- is first looked for by the marker in its comments (o2c:<ns id>:<package key>).
CREATE TABLE fulfilment_shipments (
    store_hash        text        NOT NULL,
    ns_id             text        NOT NULL,
    package_key       text        NOT NULL,
    tran_id           text        NOT NULL DEFAULT '',
    bc_order_id       bigint,
    shipment_id       bigint,
    status            text        NOT NULL CHECK (status IN ('pending', 'created', 'deleted')),
    items_fingerprint text        NOT NULL DEFAULT '',
    fields            text[]      NOT NULL DEFAULT '{}',
    source_modified   timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_hash, ns_id, package_key)
);
CREATE INDEX fulfilment_shipments_order_idx ON fulfilment_shipments (store_hash, bc_order_id);

-- The BigCommerce order products a shipment can name, and the address each ships to: recorded from
-- bc.orders snapshots (no request), or read once from /v2/orders/{id}/products for an order not seen.
CREATE TABLE fulfilment_order_lines (
    store_hash        text        NOT NULL,
    order_id          bigint      NOT NULL,
    order_product_id  bigint      NOT NULL,
    order_address_id  bigint      NOT NULL,
    quantity          integer     NOT NULL DEFAULT 0,
    sku               text        NOT NULL DEFAULT '',
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_hash, order_id, order_product_id)
);

-- Capture at shipment (O2C_FULFILMENTS_CAPTURE_ON_SHIPMENT): one row per order once it was tried.
-- captured: BigCommerce took it; refused: BigCommerce said it cannot be captured (not authorised, already
-- captured): not tried again; failed: a capture_failed exception for finance.
CREATE TABLE fulfilment_captures (
    store_hash        text        NOT NULL,
    order_id          bigint      NOT NULL,
    status            text        NOT NULL CHECK (status IN ('captured', 'refused', 'failed')),
    detail            text        NOT NULL DEFAULT '',
    attempted_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_hash, order_id)
);
