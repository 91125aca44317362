-- Natural-key insert of staged rows into {table} (an allow-listed name); an existing key
-- (a redelivered event, or a row already loaded) is left as it is.
insert into {table} by name
select * from staged_rows
on conflict do nothing
