-- Dead-lettered events with their latest replay and current verdict; open = not yet judged
-- by a replay. A NULL filter means "all".
with replays as (
    select
        topic,
        "partition",
        "offset",
        count(*) as attempts,
        arg_max(outcome, replayed_at) as last_outcome,
        arg_max(reason, replayed_at) as last_reason,
        max(replayed_at) as last_replayed_at
    from dead_letter_replay
    group by topic, "partition", "offset"
)

select
    q.topic,
    q."partition",
    q."offset",
    q.submission_id,
    q.reason,
    q.quarantined_at,
    coalesce(r.attempts, 0) as attempts,
    r.last_outcome,
    r.last_reason,
    r.last_replayed_at,
    cv.status as current_status
from quarantine as q
left join replays as r using (topic, "partition", "offset")
left join current_verdict as cv on cv.submission_id = q.submission_id
where q.source = 'dead_letter'
    and ($submission_id is null or q.submission_id = $submission_id)
order by q.quarantined_at, q.topic, q."partition", q."offset"
