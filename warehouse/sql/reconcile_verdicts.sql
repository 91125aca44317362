-- Per judged submission: its current verdict, and how many verdicts ingest runs gave it
-- (a replay adds verdicts on purpose; a second ingest verdict means a doubled judgement).
with counted as (
    select
        v.submission_id,
        count(*) filter (where coalesce(r."trigger", 'ingest') = 'ingest') as ingest_verdicts,
        count(*) as verdicts
    from verdict as v
    left join validation_run as r using (validation_run_id)
    group by v.submission_id
)

select
    c.submission_id,
    c.ingest_verdicts,
    c.verdicts,
    cv.status,
    cv.country,
    cv.cycle,
    cv.version
from counted as c
join current_verdict as cv using (submission_id)
where $cycle is null or cv.cycle = $cycle
order by c.submission_id
