-- Land Kafka events byte for byte; a redelivered (topic, partition, offset) changes nothing.
insert into raw_event
    (topic, "partition", "offset", key, value, headers, kafka_timestamp,
     submission_id, content_sha256)
select
    topic,
    "partition",
    "offset",
    key,
    value,
    headers::json,
    case when timestamp_ms is null then null else to_timestamp(timestamp_ms / 1000) end,
    submission_id,
    content_sha256
from staged_rows
on conflict do nothing
