-- A run is recorded when it starts and again when it finishes: the later record wins.
insert or replace into validation_run by name
select * from staged_rows
