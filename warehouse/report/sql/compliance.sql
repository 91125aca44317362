-- Compliance per cycle: allies expected (members at the cycle's end), submitted, on time
-- (first accepted version by the deadline), accepted (at least one version accepted).
with source as (
    select cycle, country, submitted, on_time, versions_accepted
    from mart_compliance
),

per_cycle as (
    select
        cycle,
        count(*) as expected,
        count(*) filter (where submitted) as submitted,
        count(*) filter (where on_time) as on_time,
        count(*) filter (where versions_accepted > 0) as accepted
    from source
    group by cycle
)

select cycle, expected, submitted, on_time, accepted
from per_cycle
order by cycle
