-- Alliance-wide timeliness of one cycle (mart_compliance).
select
    count(*) as allies,
    count(*) filter (where submitted) as submitted,
    count(*) filter (where on_time) as on_time,
    count(*) filter (where on_time = false) as late,
    count(*) filter (where current_version is null and submitted) as nothing_accepted,
    count(*) filter (where current_version > 1) as resubmitted
from mart_compliance
where cycle = $cycle
