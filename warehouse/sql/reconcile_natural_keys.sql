-- Per accepted table: natural keys, rows, and keys held by more than one row or submission
-- (docs/DESIGN.md natural keys; a doubled key means one fact counted twice).
with keyed as (
    select 'report' as table_name, cycle,
        [country, cycle, version::varchar] as natural_key, submission_id
    from report
    union all
    select 'goal', cycle, [country, cycle, version::varchar, goal_id], submission_id from goal
    union all
    select 'indicator', cycle, [country, cycle, version::varchar, indicator_id], submission_id
    from indicator
    union all
    select 'measure', cycle, [country, cycle, version::varchar, measure_id], submission_id
    from measure
    union all
    select 'milestone', cycle, [country, cycle, version::varchar, milestone_id], submission_id
    from milestone
    union all
    select 'infrastructure', cycle, [country, cycle, version::varchar, sector], submission_id
    from infrastructure
    union all
    select 'risk', cycle, [country, cycle, version::varchar, risk_id], submission_id from risk
),

per_key as (
    select
        table_name,
        natural_key,
        count(*) as n_rows,
        count(distinct submission_id) as n_submissions
    from keyed
    where $cycle is null or cycle = $cycle
    group by table_name, natural_key
)

select
    table_name,
    count(*) as n_keys,
    sum(n_rows)::bigint as n_rows,
    count(*) filter (where n_rows > 1 or n_submissions > 1) as doubled_keys,
    list(array_to_string(natural_key, '/')) filter (where n_rows > 1 or n_submissions > 1)
        as doubled_examples
from per_key
group by table_name
order by table_name
