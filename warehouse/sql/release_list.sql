-- Releases (of one submission, or all), oldest first.
select submission_id, validation_run_id, country, cycle, version, status, manifest_path,
       manifest_sha256, files, released_at
from release
where $submission_id is null or submission_id = $submission_id
order by released_at, validation_run_id
