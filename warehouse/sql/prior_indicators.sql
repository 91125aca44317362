-- For each asked (country, cycle): the indicators of that country's latest accepted version
-- of the latest cycle before the asked one (cycle codes YYYY-Hn sort chronologically).
with asked as (
    select distinct unnest($countries::varchar[]) as country, unnest($cycles::varchar[]) as for_cycle
),
prior as (
    select a.country, a.for_cycle, max(r.cycle) as cycle
    from asked as a
    join current_report as r on r.country = a.country and r.cycle < a.for_cycle
    group by a.country, a.for_cycle
)
select
    p.country,
    p.cycle,
    i.goal_id,
    i.indicator_id,
    i.current_value,
    i.version,
    p.for_cycle
from prior as p
join current_indicator as i on i.country = p.country and i.cycle = p.cycle
order by p.country, p.for_cycle, i.indicator_id
