-- Verdicts of the latest cycle that has any, by status, with the findings they carry.
with latest as (
    select max(cycle) as cycle from current_verdict
),
verdicts as (
    select v.*
    from current_verdict as v
    join latest on v.cycle = latest.cycle
)
select
    cycle,
    status,
    count(*) as submissions,
    sum(n_blocker) as n_blocker,
    sum(n_error) as n_error,
    sum(n_warning) as n_warning,
    sum(n_info) as n_info
from verdicts
group by cycle, status
order by cycle, status
