select submission_id, country, cycle, version, received_at, topic, partition, "offset", sha256
from receipt
where (cast(:country as text) is null or country = :country)
  and (cast(:cycle as text) is null or cycle = :cycle)
order by received_at, submission_id
