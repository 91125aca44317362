-- Per-ally implementation figures of one cycle (mart_ally_cycle), best on-time rate first.
with source as (
    select
        country,
        milestones_due,
        milestones_due_done,
        on_time_rate,
        completion_rate,
        budget_execution,
        goals,
        goals_on_track,
        significant_incidents,
        outage_hours,
        on_time_rate_delta,
        completion_rate_delta,
        budget_execution_delta
    from mart_ally_cycle
    where cycle = $cycle
)

select *
from source
order by on_time_rate desc nulls last, completion_rate desc nulls last, country
