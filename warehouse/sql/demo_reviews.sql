-- Technical acceptance in a cycle: the latest accepted version of each ally by review state.
select coalesce(review_status, 'not opened') as review_status, count(*) as allies
from mart_compliance
where cycle = $cycle and current_version is not null
group by all
order by allies desc, review_status
