-- Alliance-wide implementation figures per cycle up to $cycle, pooled over the allies'
-- latest accepted reports (mart_ally_cycle): a large ally's milestones weigh more.
with source as (
    select
        cycle,
        milestones,
        milestones_done,
        milestones_due,
        milestones_due_done,
        budget_allocated_meur,
        budget_spent_meur,
        goals,
        goals_on_track,
        significant_incidents
    from mart_ally_cycle
    where cycle <= $cycle
),

per_cycle as (
    select
        cycle,
        count(*) as allies,
        sum(milestones_due_done) / nullif(sum(milestones_due), 0) as on_time_rate,
        sum(milestones_done) / nullif(sum(milestones), 0) as completion_rate,
        sum(budget_spent_meur) / nullif(sum(budget_allocated_meur), 0) as budget_execution,
        sum(goals_on_track) / nullif(sum(goals), 0) as goals_on_track_share,
        sum(significant_incidents) as significant_incidents
    from source
    group by cycle
)

select *
from per_cycle
order by cycle
