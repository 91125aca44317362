-- Landed events at the asked Kafka coordinates, in the asked order's natural order.
with asked as (
    select
        unnest($topics::varchar[]) as topic,
        unnest($partitions::integer[]) as "partition",
        unnest($offsets::bigint[]) as "offset"
)
select e.topic, e."partition", e."offset", e.key, e.value, e.headers,
    epoch_ms(e.kafka_timestamp) as timestamp_ms
from raw_event as e
semi join asked as a
    on e.topic = a.topic and e."partition" = a."partition" and e."offset" = a."offset"
order by e.received_at, e.topic, e."partition", e."offset"
