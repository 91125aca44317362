-- The landed bytes of one submission at its Kafka coordinates (the receipt's), analyst copy.
select value
from raw_event
where topic = $topic and "partition" = $partition and "offset" = $offset
  and submission_id = $submission_id
