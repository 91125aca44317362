-- Current status of many submissions at once (the list endpoint).
select submission_id, status
from current_verdict
where list_contains($submission_ids, submission_id)
