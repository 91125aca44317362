-- Gateway state: token hashes (never the tokens) and submission receipts.
create table if not exists token (
    token_id    text primary key,
    salt        blob not null,
    token_hash  blob not null,
    role        text not null check (role in ('submitter', 'analyst', 'admin')),
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
