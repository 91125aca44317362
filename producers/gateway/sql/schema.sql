-- Gateway state: token hashes (never the tokens) and submission receipts.
-- A file made before a role existed keeps its old CHECK; db._open rebuilds the table then
-- (token_roles_migrate.sql), as SQLite cannot alter a constraint.
create table if not exists token (
    token_id    text primary key,
    salt        blob not null,
    token_hash  blob not null,
    role        text not null check (role in ('submitter', 'analyst', 'admin', 'reviewer')),
    country     text,
    label       text not null,
    created_at  text not null,
    revoked_at  text,
    check ((role = 'submitter') = (country is not null))
);

create table if not exists receipt (
    submission_id text primary key,
    country       text not null,
    cycle         text not null,
    version       integer not null,
    received_at   text not null,
    topic         text not null,
    partition     integer not null,
    "offset"      integer not null,
    sha256        text not null
);

create index if not exists receipt_country_cycle on receipt (country, cycle);

-- Portal sign-ins (producers/portal/sessions.py): the SHA-256 of the cookie's random id,
-- never the id itself; a session ends at sign-out, at expiry or when its token is revoked.
create table if not exists portal_session (
    session_hash text primary key,
    token_id     text not null,
    csrf_token   text not null,
    created_at   text not null,
    expires_at   real not null
);

-- The one checked upload a session is about to submit (as its JSON body), with the cell
-- map of a workbook upload (JSON: pointer -> sheet row, sheet -> column letters).
create table if not exists portal_upload (
    session_hash text primary key,  -- deleted with its session (sessions.end)
    filename     text not null,
    source       text not null check (source in ('json', 'xlsx')),
    body         blob not null,
    cells        text,
    uploaded_at  text not null
);

-- Where a submitted workbook's findings are: the cell map of the upload, per submission.
create table if not exists portal_cells (
    submission_id text primary key,
    cells         text not null
);

-- A submission id being published right now (producers/gateway/claims.py): taken before the
-- broker is asked, dropped with the receipt's write. Two gateway processes (workers or
-- replicas) posting one id therefore never both publish: same body waits for the first
-- receipt, another body is a 409 at once.
create table if not exists claim (
    submission_id text primary key,
    sha256        text not null,
    country       text not null,
    claimed_at    real not null
);
