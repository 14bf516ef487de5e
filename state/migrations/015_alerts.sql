-- Silent-failure detection (issue 17): the one fact the alerts need that no flow kept globally.

-- Per store and SKU: since when a stock change waits for BigCommerce (NULL: nothing waits), and when
-- BigCommerce last took one. Written by the inventory writer of whichever worker owns the SKU, read by
-- the alert evaluator on the leader (stock_stale).
CREATE TABLE stock_sync_marks (
    store_hash      text        NOT NULL,
    sku             text        NOT NULL,
    pending_since   timestamptz,
    written_at      timestamptz,
    PRIMARY KEY (store_hash, sku)
);
CREATE INDEX stock_sync_marks_pending_idx ON stock_sync_marks (pending_since) WHERE pending_since IS NOT NULL;
