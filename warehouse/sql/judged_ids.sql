-- Which of the asked submissions already have a verdict (judged at least once).
select distinct submission_id
from verdict
where submission_id in (select unnest($submission_ids::varchar[]))
