-- Which of the tables the report reads exist in this warehouse.
select table_name
from information_schema.tables
where list_contains($names, table_name)
