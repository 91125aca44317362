-- Accepted verdicts whose review is not open yet, and those this DAG run opened (a retry of
-- the run asks for the same reviews again), in a stable order (the map index): the newest cycle first.
with accepted as (
    select submission_id, country, cycle, version, status
    from current_verdict
    where status in ('accepted', 'accepted_with_warnings')
        and country is not null and cycle is not null
),

to_open as (
    select a.*
    from accepted as a
    left join current_review as r on r.submission_id = a.submission_id
    where r.submission_id is null
        or (r.state = 'pending' and r.dag_run_id = $dag_run_id)
)

select submission_id, country, cycle, version, status
from to_open
order by cycle desc, country, version, submission_id
