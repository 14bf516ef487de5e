-- PayPal settlement files (streams/ingest/payouts.py; state/paypal.py): what each imported file left for
-- the next one. A day's first withdrawal may pay out records of the previous day's file, so the records
-- after the last withdrawal of a currency (``unsettled``, Movement.to_json() each) are kept here, and the
-- currencies whose next window starts right after a withdrawal (``known``). One row per PayPal account and
-- file, in import order (seq): importing a file reads the latest row of *another* file, so a file imported
-- again after a crash (its row saved, the file not yet moved) reads the same carry as the first time.
CREATE TABLE paypal_carry (
    account_id  text        NOT NULL,
    file_name   text        NOT NULL,
    seq         bigserial   NOT NULL,
    unsettled   jsonb       NOT NULL DEFAULT '[]',
    known       text[]      NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, file_name)
);
CREATE INDEX paypal_carry_latest_idx ON paypal_carry (account_id, seq DESC);
