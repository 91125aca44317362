-- Progress of one cycle per domain, in percent; the alliance-wide row has domain NULL.
with source as (
    select domain, completion_rate, on_time_rate, budget_execution
    from mart_progress
    where cycle = $cycle
),

renamed as (
    select
        nullif(domain, 'ALL') as domain,
        100 * completion_rate as milestones_done_pct,
        100 * on_time_rate as on_time_pct,
        100 * budget_execution as budget_execution_pct
    from source
)
select domain, milestones_done_pct, on_time_pct, budget_execution_pct
from renamed
order by domain nulls first
