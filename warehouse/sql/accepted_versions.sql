-- Every accepted version of the asked (country, cycle) pairs with its submission.
with asked as (
    select unnest($countries::varchar[]) as country, unnest($cycles::varchar[]) as cycle
)
select r.country, r.cycle, r.version, r.submission_id
from report as r
semi join asked as a on r.country = a.country and r.cycle = a.cycle
order by r.country, r.cycle, r.version
