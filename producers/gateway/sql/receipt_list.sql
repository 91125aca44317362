select submission_id, country, cycle, version, received_at, topic, partition, "offset", sha256
from receipt
where (:country is null or country = :country)
  and (:cycle is null or cycle = :cycle)
order by received_at, submission_id
