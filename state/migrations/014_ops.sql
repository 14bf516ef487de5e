-- The ops page, retries and the audit (issue 16).

-- Every operator action, from the page or the CLI: who, what, when, with the note they gave.
CREATE TABLE ops_actions (
    id              bigserial   PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor           text        NOT NULL,   -- the signed-in user, or cli:<login> for the command line
    role            text,                   -- viewer | operator (page); NULL for the CLI
    action          text        NOT NULL,   -- sign_in, sign_in_failed, sign_out, retry, resolve, audit_run, ...
    object_type     text,                   -- exception, audit_run, ...
    object_id       text,
    note            text,
    detail          jsonb,
    source          text        NOT NULL DEFAULT 'page' CHECK (source IN ('page', 'cli', 'schedule'))
);
CREATE INDEX ops_actions_at_idx ON ops_actions (at DESC);
CREATE INDEX ops_actions_object_idx ON ops_actions (object_type, object_id);

-- A retry stays ``retrying`` until its outcome arrives; who asked and how often is kept on the exception.
ALTER TABLE exceptions ADD COLUMN retry_requested_at timestamptz;
ALTER TABLE exceptions ADD COLUMN retry_requested_by text;
ALTER TABLE exceptions ADD COLUMN retries integer NOT NULL DEFAULT 0;
ALTER TABLE exceptions ADD COLUMN last_retry_note text;
CREATE INDEX exceptions_created_idx ON exceptions (created_at, id);
CREATE INDEX exceptions_status_idx ON exceptions (status, owner, kind);

-- The system audit: one run compares both systems for one or more checks (orders, customers, items, stock,
-- shipments, refunds, prices, payouts); each finding names one object that differs and what to do about it.
CREATE TABLE audit_runs (
    id              bigserial   PRIMARY KEY,
    trigger         text        NOT NULL,   -- schedule | cli | page
    checks          text[]      NOT NULL,
    since           timestamptz,            -- objects changed since (NULL = the checks' own default window)
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    status          text        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    compared        jsonb       NOT NULL DEFAULT '{}',   -- per check: how many objects were compared
    findings        integer     NOT NULL DEFAULT 0,
    error           text
);
CREATE INDEX audit_runs_started_idx ON audit_runs (started_at DESC);

CREATE TABLE audit_findings (
    id              bigserial   PRIMARY KEY,
    run_id          bigint      NOT NULL REFERENCES audit_runs (id) ON DELETE CASCADE,
    check_name      text        NOT NULL,   -- orders, customers, items, stock, shipments, refunds, prices, payouts
    kind            text        NOT NULL,   -- e.g. order_without_sales_order, total_differs
    object_type     text        NOT NULL,
    bc_id           text,
    ns_id           text,
    owner           text        NOT NULL CHECK (owner IN ('finance', 'operations', 'customer_service', 'engineering')),
    message         text        NOT NULL,   -- plain English: the object, what differs, what to do
    detail          jsonb
);
CREATE INDEX audit_findings_run_idx ON audit_findings (run_id, check_name, kind);
