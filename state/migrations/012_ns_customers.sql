-- The NetSuite change source for B2B prices (issue 15; state/netsuite_source.py).
--
-- ns.prices version 2 carries each item's whole price table instead of one event per changed row. The rows
-- published as version 1 are forgotten, so that every item is handed on once as a whole table (the
-- source's prices cursor is new too, "prices.v2", and starts from the beginning).
DELETE FROM ns_price_published;

-- The version of each item's price table last handed on (its rows are in ns_price_published; an empty
-- table has none): 1 for the first table, +1 for each change, so that two tables handed on within one
-- second of lastmodifieddate are two events.
CREATE TABLE ns_price_tables (
    account         text        NOT NULL,
    item_id         text        NOT NULL,
    version         integer     NOT NULL,
    published_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account, item_id)
);

-- Customers as last handed on on ns.customers: a customer is handed on again only when its email, price
-- level or inactive flag differ from these.
CREATE TABLE ns_customer_published (
    account         text        NOT NULL,
    customer_id     text        NOT NULL,   -- NetSuite internal id of the customer
    email           text        NOT NULL,
    price_level_id  text,                   -- NULL: the customer has no price level
    is_inactive     boolean     NOT NULL,
    version         integer     NOT NULL,   -- 1 for the first publication, +1 for each change
    published_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account, customer_id)
);
