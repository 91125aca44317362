-- Implementation progress of one cycle per domain (mart_progress), alliance-wide row last.
select
    domain,
    reporting_allies,
    measures,
    round(completion_rate * 100, 1) as completion_pct,
    round(on_time_rate * 100, 1) as on_time_pct,
    round(budget_allocated_meur, 1) as allocated_meur,
    round(budget_execution * 100, 1) as budget_execution_pct
from mart_progress
where cycle = $cycle
order by domain = 'ALL', domain
