-- Allies that were members on the cycle's end date, by name.
with members as (
    select ally.iso3, ally.name
    from ally
    join cycle on cycle.cycle = $cycle
    where ally.joined_on <= cycle.ends_on
)
select iso3, name
from members
order by name
