-- Every landed event as the pipeline consumed it (headers carry the submission id and
-- content hash reconcile matches receipts on); the value is parsed in Python to tell
-- reports from poison (the same parser the ingest uses).
select topic, "partition", "offset", key, value, headers, epoch_ms(kafka_timestamp) as timestamp_ms
from raw_event
order by topic, "partition", "offset"
