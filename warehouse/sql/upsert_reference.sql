-- Reference rows replace their previous version by primary key ({table} is allow-listed).
insert or replace into {table} by name
select * from staged_rows
