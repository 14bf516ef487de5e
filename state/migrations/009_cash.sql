-- Money in (streams/cash; state/cash.py and state/payouts.py): deposits, invoices, deposit applications,
-- payouts with their lines, and each payout's reconciliation.
--
-- cash_deposits: one row per NetSuite customer deposit o2c books for an order (n = 1, 2… for gateway
-- captures in BigCommerce transaction order; SC = store credit, GC = gift certificates). Written as
-- 'waiting' (the sales order is not in NetSuite yet) or 'held' (an exception says why) before NetSuite is
-- called, 'written' once NetSuite has it (ns_id). gateway_transaction_id is the payout join key.
CREATE TABLE cash_deposits (
    store_hash             text           NOT NULL,
    order_id               bigint         NOT NULL,
    n                      text           NOT NULL,
    external_id            text           NOT NULL UNIQUE,
    kind                   text           NOT NULL CHECK (kind IN ('gateway', 'store_credit', 'gift_certificate')),
    gateway                text           NOT NULL DEFAULT '',
    bc_gateway             text           NOT NULL DEFAULT '',
    gateway_transaction_id text,
    amount                 numeric(19, 4) NOT NULL,
    currency               text           NOT NULL,
    account_id             text,
    status                 text           NOT NULL CHECK (status IN ('waiting', 'held', 'written', 'refused')),
    ns_id                  text,
    applied                numeric(19, 4) NOT NULL DEFAULT 0,
    detail                 text           NOT NULL DEFAULT '',
    created_at             timestamptz    NOT NULL DEFAULT now(),
    updated_at             timestamptz    NOT NULL DEFAULT now(),
    PRIMARY KEY (store_hash, order_id, n)
);
CREATE INDEX cash_deposits_transaction_idx ON cash_deposits (gateway, gateway_transaction_id);
CREATE INDEX cash_deposits_waiting_idx ON cash_deposits (status) WHERE status = 'waiting';

-- cash_invoices: one per fulfilment o2c invoiced (or, with O2C_CASH_INVOICING=netsuite, per invoice
-- NetSuite made, keyed by 'ns:<invoice id>'). 'pending' before the transform: a pending row found later
-- is first looked up by its externalId. seq: 1 for the order's first invoice (it carries the shipping).
CREATE TABLE cash_invoices (
    store_hash      text           NOT NULL,
    order_id        bigint         NOT NULL,
    invoice_key     text           NOT NULL,
    external_id     text           NOT NULL UNIQUE,
    seq             integer        NOT NULL,
    source          text           NOT NULL DEFAULT 'o2c' CHECK (source IN ('o2c', 'netsuite')),
    status          text           NOT NULL CHECK (status IN ('pending', 'created')),
    ns_id           text,
    total           numeric(19, 4),
    remaining       numeric(19, 4),
    created_at      timestamptz    NOT NULL DEFAULT now(),
    updated_at      timestamptz    NOT NULL DEFAULT now(),
    PRIMARY KEY (store_hash, order_id, invoice_key)
);

-- What each invoice billed of each sales order line (non-goods lines are billed by amount, in proportion).
CREATE TABLE cash_invoice_lines (
    store_hash      text           NOT NULL,
    order_id        bigint         NOT NULL,
    invoice_key     text           NOT NULL,
    order_line      text           NOT NULL,
    quantity        numeric(19, 6) NOT NULL,
    amount          numeric(19, 4) NOT NULL,
    PRIMARY KEY (store_hash, order_id, invoice_key, order_line)
);

-- Deposit applications: a deposit applied to an invoice, once (externalId BC-DEPAPP-…).
CREATE TABLE cash_applications (
    external_id     text           PRIMARY KEY,
    store_hash      text           NOT NULL,
    order_id        bigint         NOT NULL,
    deposit_n       text           NOT NULL,
    invoice_key     text           NOT NULL,
    amount          numeric(19, 4) NOT NULL,
    status          text           NOT NULL CHECK (status IN ('pending', 'created')),
    ns_id           text,
    created_at      timestamptz    NOT NULL DEFAULT now()
);
CREATE INDEX cash_applications_order_idx ON cash_applications (store_hash, order_id);

-- payouts: the latest version of each gateway payout, the pages of it received, its journal entry and
-- reconciliation. je_status: none → posted → reversed (a payout that failed after it was paid).
-- result: pending (pages missing), reconciled, mismatch (a payout_mismatch exception is open),
-- unbalanced (its lines do not add up to what reached the bank: not posted), date_window (manual or
-- instant payout: finance reconciles by dates), failed (failed before anything was posted).
CREATE TABLE payouts (
    gateway          text           NOT NULL,
    payout_id        text           NOT NULL,
    status           text           NOT NULL,
    amount           numeric(19, 4) NOT NULL,
    currency         text           NOT NULL,
    arrival_date     date           NOT NULL,
    created          timestamptz    NOT NULL,
    automatic        boolean        NOT NULL DEFAULT true,
    method           text           NOT NULL DEFAULT 'standard',
    reconciliation   text           NOT NULL DEFAULT 'itemised',
    failure_code     text,
    failure_message  text,
    bank_reference   text,
    line_count       integer        NOT NULL DEFAULT 0,
    pages            integer        NOT NULL DEFAULT 1,
    pages_seen       integer[]      NOT NULL DEFAULT '{}',
    je_external_id   text,
    je_ns_id         text,
    je_status        text           NOT NULL DEFAULT 'none' CHECK (je_status IN ('none', 'posted', 'reversed')),
    reversal_ns_id   text,
    posted_at        timestamptz,
    result           text           NOT NULL DEFAULT 'pending'
                     CHECK (result IN ('pending', 'reconciled', 'mismatch', 'unbalanced', 'date_window', 'failed')),
    residual         numeric(19, 4),
    detail           text           NOT NULL DEFAULT '',
    reconciled_at    timestamptz,
    received_at      timestamptz    NOT NULL DEFAULT now(),
    updated_at       timestamptz    NOT NULL DEFAULT now(),
    PRIMARY KEY (gateway, payout_id)
);
CREATE INDEX payouts_result_idx ON payouts (result);

CREATE TABLE payout_lines (
    gateway              text           NOT NULL,
    payout_id            text           NOT NULL,
    line_id              text           NOT NULL,
    kind                 text           NOT NULL,
    gross                numeric(19, 4) NOT NULL,
    fee                  numeric(19, 4) NOT NULL DEFAULT 0,
    net                  numeric(19, 4) NOT NULL,
    currency             text           NOT NULL,
    fees                 jsonb          NOT NULL DEFAULT '[]',
    charge_id            text,
    payment_intent       text,
    refund_id            text,
    dispute_id           text,
    source_id            text,
    exchange_rate        numeric(24, 12),
    presentment_amount   numeric(19, 4),
    presentment_currency text,
    reporting_category   text           NOT NULL DEFAULT '',
    description          text           NOT NULL DEFAULT '',
    created              timestamptz,
    PRIMARY KEY (gateway, payout_id, line_id)
);

-- Which order each line of a payout paid (charges, and refunds and disputes for finance's view).
-- outcome: matched (the order's deposit is in NetSuite for the same amount), no_deposit (an order, but
-- its deposit is not in NetSuite), amount_differs, no_order (no BigCommerce order has the payment).
CREATE TABLE payout_matches (
    gateway         text           NOT NULL,
    payout_id       text           NOT NULL,
    line_id         text           NOT NULL,
    store_hash      text,
    order_id        bigint,
    deposit_n       text,
    expected        numeric(19, 4),
    outcome         text           NOT NULL CHECK (outcome IN ('matched', 'no_deposit', 'amount_differs',
                                                               'no_order', 'info')),
    PRIMARY KEY (gateway, payout_id, line_id)
);

-- Every reconciliation run of a payout (the latest is on payouts).
CREATE TABLE payout_reconciliations (
    id               bigserial      PRIMARY KEY,
    gateway          text           NOT NULL,
    payout_id        text           NOT NULL,
    run_at           timestamptz    NOT NULL DEFAULT now(),
    charges          integer        NOT NULL,
    matched          integer        NOT NULL,
    no_deposit       integer        NOT NULL,
    amount_differs   integer        NOT NULL,
    no_order         integer        NOT NULL,
    unclassified     integer        NOT NULL,
    clearing_credit  numeric(19, 4) NOT NULL,
    deposits         numeric(19, 4) NOT NULL,
    residual         numeric(19, 4) NOT NULL,
    result           text           NOT NULL
);
CREATE INDEX payout_reconciliations_payout_idx ON payout_reconciliations (gateway, payout_id, run_at);

-- What the payout sources published (streams/ingest/payouts.py): a payout version is published once per
-- status and line count (a duplicate webhook or the catch-up poll finds it here and publishes nothing).
CREATE TABLE payout_sources (
    gateway          text           NOT NULL,
    payout_id        text           NOT NULL,
    status           text           NOT NULL,
    line_count       integer        NOT NULL,
    published_at     timestamptz    NOT NULL DEFAULT now(),
    PRIMARY KEY (gateway, payout_id, status, line_count)
);

-- Settlement files imported (PayPal STL): by name and content hash.
CREATE TABLE payout_files (
    gateway          text           NOT NULL,
    file_name        text           NOT NULL,
    sha256           text           NOT NULL,
    payouts          integer        NOT NULL,
    problems         text[]         NOT NULL DEFAULT '{}',
    imported_at      timestamptz    NOT NULL DEFAULT now(),
    PRIMARY KEY (gateway, file_name, sha256)
);
