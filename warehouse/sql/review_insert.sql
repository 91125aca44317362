-- Store review events (staged rows); one already stored (same event_id) is kept.
insert into review_event (
    event_id, submission_id, country, cycle, version, state, message, reviewer,
    occurred_at, due_at, superseded_by, dag_id, dag_run_id, task_id, map_index
)
select event_id, submission_id, country, cycle, version::integer, state, message, reviewer,
       occurred_at::timestamptz, due_at::timestamptz, superseded_by, dag_id, dag_run_id,
       task_id, map_index::integer
from staged_rows
on conflict do nothing
