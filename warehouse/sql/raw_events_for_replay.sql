-- Landed report events to re-validate, oldest first; a NULL filter means "all".
select topic, "partition", "offset", key, value, headers, epoch_ms(kafka_timestamp) as timestamp_ms
from raw_event
where topic = $topic
  and ($country is null or key = encode($country))
order by received_at, topic, "partition", "offset"
