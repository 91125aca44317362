-- Which of the asked Kafka events were already dead-lettered (a redelivered batch must not
-- quarantine them twice).
with asked as (
    select
        unnest($topics::varchar[]) as topic,
        unnest($partitions::integer[]) as "partition",
        unnest($offsets::bigint[]) as "offset"
)
select distinct q.topic, q."partition", q."offset"
from quarantine as q
semi join asked as a
    on q.topic = a.topic and q."partition" = a."partition" and q."offset" = a."offset"
where q.source = 'dead_letter'
