-- The current review of one submission (analyst copy or live file).
select submission_id, country, cycle, version, state, message, reviewer, occurred_at,
       due_at, superseded_by, dag_id, dag_run_id, task_id, map_index
from current_review
where submission_id = $submission_id
