-- Gateway receipts (SQLite or PostgreSQL), optionally of one cycle.
select submission_id, country, cycle, version, topic, "partition", "offset", sha256
from receipt
where (cast(:cycle as text) is null or cycle = :cycle)
order by received_at, submission_id
