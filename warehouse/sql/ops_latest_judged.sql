-- When the latest verdict in this database was judged.
select max(judged_at) as latest_judged_at from verdict
