-- Quarantined rows of the latest cycle's current verdicts, by source and severity;
-- dead-lettered events without a submission are counted under cycle NULL.
with latest as (
    select max(cycle) as cycle from current_verdict
),
current_runs as (
    select v.submission_id, v.validation_run_id
    from current_verdict as v
    join latest on v.cycle = latest.cycle
),
rows_of_cycle as (
    select q.source, q.severity
    from quarantine as q
    join current_runs as r
        on q.submission_id = r.submission_id and q.validation_run_id = r.validation_run_id
    union all
    select q.source, q.severity
    from quarantine as q
    where q.submission_id is null
)
select source, coalesce(severity, '-') as severity, count(*) as rows
from rows_of_cycle
group by source, severity
order by source, severity
