-- Gateway state in PostgreSQL (RESILIENCE_GATEWAY_DATABASE_URL), shared by the replicas:
-- the tables of schema.sql with PostgreSQL's types (bytea for blob, double precision for
-- real, bigint for a Kafka offset); every statement file runs unchanged on both.
create table if not exists token (
    token_id    text primary key,
    salt        bytea not null,
    token_hash  bytea not null,
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
    "offset"      bigint not null,
    sha256        text not null
);

create index if not exists receipt_country_cycle on receipt (country, cycle);

create table if not exists portal_session (
    session_hash text primary key,
    token_id     text not null,
    csrf_token   text not null,
    created_at   text not null,
    expires_at   double precision not null
);

create table if not exists portal_upload (
    session_hash text primary key,
    filename     text not null,
    source       text not null check (source in ('json', 'xlsx')),
    body         bytea not null,
    cells        text,
    uploaded_at  text not null
);

create table if not exists portal_cells (
    submission_id text primary key,
    cells         text not null
);

create table if not exists claim (
    submission_id text primary key,
    sha256        text not null,
    country       text not null,
    claimed_at    double precision not null
);
