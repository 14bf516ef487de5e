-- Write-back of NetSuite document numbers to BigCommerce orders (order metafield o2c/netsuite_sales_order).
-- One row per BigCommerce order whose sales order o2c created: 'pending' until the metafield is written,
-- then 'written' (a replayed sync.results event finds it and writes nothing). Pending rows are the queue:
-- a worker claims a batch by pushing retry_at forward (a lease), so a crashed batch is taken again later.
CREATE TABLE order_writebacks (
    store_hash      text        NOT NULL,
    order_id        bigint      NOT NULL,
    ns_id           text        NOT NULL,
    status          text        NOT NULL CHECK (status IN ('pending', 'written')),
    tran_id         text,
    metafield_id    bigint,
    attempts        integer     NOT NULL DEFAULT 0,
    last_error      text,
    retry_at        timestamptz NOT NULL DEFAULT now(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    written_at      timestamptz,
    PRIMARY KEY (store_hash, order_id)
);
CREATE INDEX order_writebacks_due_idx ON order_writebacks (store_hash, retry_at) WHERE status = 'pending';
