-- Rebuild table token with the current role CHECK (SQLite cannot alter a constraint):
-- copy every row into a table of the new shape, then swap, in one transaction.
begin immediate;
drop table if exists token_rebuilt;
create table token_rebuilt (
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
insert into token_rebuilt
select token_id, salt, token_hash, role, country, label, created_at, revoked_at from token;
drop table token;
alter table token_rebuilt rename to token;
commit;
