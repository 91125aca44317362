-- When the last of the demo's submissions was judged, and how many are judged.
select max(judged_at) as latest_judged_at, count(*) as judged
from current_verdict
where list_contains($submission_ids, submission_id)
