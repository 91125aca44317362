-- Highest version judged per country in one cycle (a demo rerun submits above it).
select country, max(version) as version
from verdict
where cycle = $cycle
group by country
