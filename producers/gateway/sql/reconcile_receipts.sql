-- Gateway receipts (SQLite), optionally of one cycle.
select submission_id, country, cycle, version, topic, "partition", "offset", sha256
from receipt
where (:cycle is null or cycle = :cycle)
order by received_at, submission_id
