-- Which of the asked tables exist in the main schema (a file before its migrations).
select table_name
from duckdb_tables()
where schema_name = 'main' and list_contains($names, table_name)
