-- Failed hydrations of BigCommerce orders (connectors/bigcommerce/source/failures.py).
--
-- One row per store and order: the version that failed, how many times in a row, and the last error
-- in one line. A failure of another version of the order starts the count over at 1 ('' = the order
-- itself could not be read, so its version is unknown: it counts towards the version already here).
-- Once ``failures`` reaches O2C_BC_MAX_HYDRATION_FAILURES the version is given up: an order_unreadable
-- exception is recorded and the catch-up poller moves its watermark past it. A successful hydration
-- deletes the row; an operator's retry (``o2c exceptions retry``) sets ``failures`` back to 0 first.
CREATE TABLE bc_hydration_failures (
    store_hash      text        NOT NULL,
    order_id        bigint      NOT NULL,
    version         text        NOT NULL DEFAULT '',
    failures        integer     NOT NULL DEFAULT 0 CHECK (failures >= 0),
    last_error      text        NOT NULL DEFAULT '',
    first_failed_at timestamptz NOT NULL DEFAULT now(),
    last_failed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_hash, order_id)
);
