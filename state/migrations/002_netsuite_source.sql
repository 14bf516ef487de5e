-- The NetSuite change source (connectors/netsuite/source.py): what it last published, so that a
-- snapshot read publishes only figures that changed. Watermarks live in ``cursors``.

-- Stock per item per location as last published on ns.inventory.
CREATE TABLE ns_stock_published (
    account         text        NOT NULL,
    item_id         text        NOT NULL,   -- NetSuite internal id of the item
    location_id     text        NOT NULL,
    sku             text        NOT NULL,
    on_hand         numeric     NOT NULL,
    committed       numeric     NOT NULL,
    available       numeric     NOT NULL,
    version         integer     NOT NULL,   -- 1 for the first publication, +1 for each change
    published_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account, item_id, location_id)
);

-- Item prices (per price level, currency and quantity break) as last published on ns.prices.
CREATE TABLE ns_price_published (
    account         text        NOT NULL,
    item_id         text        NOT NULL,
    price_level_id  text        NOT NULL,
    currency        text        NOT NULL,
    min_quantity    numeric     NOT NULL,
    price           numeric     NOT NULL,
    price_level_name text       NOT NULL,
    published_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account, item_id, price_level_id, currency, min_quantity)
);
