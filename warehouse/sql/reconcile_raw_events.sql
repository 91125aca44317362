-- Every landed event with the headers reconcile matches receipts on; the value is parsed
-- in Python to tell reports from poison (the same parser the ingest uses).
select
    topic,
    "partition",
    "offset",
    submission_id,
    content_sha256,
    key,
    value,
    headers
from raw_event
order by topic, "partition", "offset"
