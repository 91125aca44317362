-- Coverage of one cycle: per ally and domain, goals present and indicators on track.
with source as (
    select country, domain, goals, indicators, indicators_on_track
    from mart_coverage
    where cycle = $cycle
)
select country, domain, goals, indicators, indicators_on_track
from source
order by country, domain
