-- Append staged rows to {table} (an allow-listed table without a natural key).
insert into {table} by name
select * from staged_rows
