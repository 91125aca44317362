select submission_id, country, cycle, version, received_at, topic, partition, "offset", sha256
from receipt
where submission_id = :submission_id
