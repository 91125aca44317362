-- Reviews still pending for these (country, cycle) pairs: a newer version supersedes them.
with wanted as (
    select unnest($countries) as country, unnest($cycles) as cycle
)

select r.submission_id, r.country, r.cycle, r.version
from current_review as r
semi join wanted as w on w.country = r.country and w.cycle = r.cycle
where r.state = 'pending'
