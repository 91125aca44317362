-- The manifest hash of one verdict's release.
select manifest_sha256
from release
where submission_id = $submission_id and validation_run_id = $validation_run_id
