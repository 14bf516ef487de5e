-- Money back (streams/returns; state/returns.py): every BigCommerce refund o2c has seen, the NetSuite
-- documents it became, and which payout refund line each customer refund was matched to.
--
-- return_refunds: one row per BigCommerce refund (bc.refunds), with its payload, written before NetSuite
-- is called. status: waiting (its order's sales order is not in NetSuite yet, or an earlier refund of the
-- order is not done: refunds of one order are handled in refund id order), done (every document
-- written; credit = credit memo total + deposit refunded = total), held (an exception says why: nothing
-- more is posted until it is retried), refused (NetSuite refused a document: refund_refused exception),
-- writing (planned: plan holds the documents, decided once from the order as it was before them, so a
-- retry after a crash writes the same documents instead of re-deciding from a half-written order).
CREATE TABLE return_refunds (
    store_hash      text           NOT NULL,
    refund_id       bigint         NOT NULL,
    order_id        bigint         NOT NULL,
    total           numeric(19, 4) NOT NULL,
    currency        text           NOT NULL DEFAULT '',
    status          text           NOT NULL CHECK (status IN ('waiting', 'writing', 'done', 'held', 'refused')),
    credit          numeric(19, 4),
    detail          text           NOT NULL DEFAULT '',
    payload         jsonb          NOT NULL,
    plan            jsonb,
    created_at      timestamptz    NOT NULL DEFAULT now(),
    updated_at      timestamptz    NOT NULL DEFAULT now(),
    PRIMARY KEY (store_hash, refund_id)
);
CREATE INDEX return_refunds_order_idx ON return_refunds (store_hash, order_id, refund_id);
CREATE INDEX return_refunds_waiting_idx ON return_refunds (status) WHERE status IN ('waiting', 'writing');

-- return_documents: each NetSuite document of a refund, 'pending' before NetSuite is called (a pending
-- row found later is first looked up by its externalId, so a crash in between never writes it twice).
-- doc: ra (return authorization, BC-RA-<store>-<refund>), ir (item receipt, BC-IR-…), cm (credit memo,
-- BC-CM-…), rf (customer refund, BC-RF-<store>-<refund>-<n>, n per gateway payment), so (the sales
-- order's unshipped refunded lines closed or reduced; ns_id = the sales order).
-- For rf: amount refunded, from account_id (the gateway's clearing account), gateway and the
-- gateway's payment id (gateway_transaction_id: the payout join key, as on cash_deposits).
CREATE TABLE return_documents (
    store_hash             text           NOT NULL,
    refund_id              bigint         NOT NULL,
    doc                    text           NOT NULL CHECK (doc IN ('ra', 'ir', 'cm', 'rf', 'so')),
    n                      text           NOT NULL DEFAULT '1',
    order_id               bigint         NOT NULL,
    external_id            text           NOT NULL UNIQUE,
    status                 text           NOT NULL CHECK (status IN ('pending', 'created')),
    ns_id                  text,
    amount                 numeric(19, 4),
    gateway                text           NOT NULL DEFAULT '',
    gateway_transaction_id text,
    account_id             text,
    created_at             timestamptz    NOT NULL DEFAULT now(),
    updated_at             timestamptz    NOT NULL DEFAULT now(),
    PRIMARY KEY (store_hash, refund_id, doc, n)
);
CREATE INDEX return_documents_order_idx ON return_documents (store_hash, order_id);
CREATE INDEX return_documents_refund_join_idx ON return_documents (gateway, gateway_transaction_id)
    WHERE doc = 'rf';

-- A payout's refund line matched to the customer refund o2c recorded (return_documents rf).
ALTER TABLE payout_matches ADD COLUMN refund_external_id text;
ALTER TABLE payout_matches DROP CONSTRAINT payout_matches_outcome_check;
ALTER TABLE payout_matches ADD CONSTRAINT payout_matches_outcome_check
    CHECK (outcome IN ('matched', 'no_deposit', 'amount_differs', 'no_order', 'info', 'no_refund'));
ALTER TABLE payout_reconciliations ADD COLUMN refunds integer NOT NULL DEFAULT 0;
ALTER TABLE payout_reconciliations ADD COLUMN refunds_matched integer NOT NULL DEFAULT 0;
ALTER TABLE payout_reconciliations ADD COLUMN refunds_recorded numeric(19, 4) NOT NULL DEFAULT 0;
