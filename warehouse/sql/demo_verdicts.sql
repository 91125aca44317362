-- Current verdicts of the demo's submissions by status, with their findings by severity.
select
    status,
    count(*) as submissions,
    sum(n_blocker) as blocker,
    sum(n_error) as error,
    sum(n_warning) as warning,
    sum(n_info) as info
from current_verdict
where list_contains($submission_ids, submission_id)
group by status
order by status
