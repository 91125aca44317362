-- The current verdict of one submission and its findings (analyst copy, DuckDB).
select submission_id, validation_run_id, status, n_blocker, n_error, n_warning, n_info,
       judged_at
from current_verdict
where submission_id = $submission_id
