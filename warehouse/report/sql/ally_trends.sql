-- Each ally's on-time rate, completion and budget execution per cycle up to $cycle.
with source as (
    select country, cycle, on_time_rate, completion_rate, budget_execution
    from mart_ally_cycle
    where cycle <= $cycle
)

select country, cycle, on_time_rate, completion_rate, budget_execution
from source
order by country, cycle
