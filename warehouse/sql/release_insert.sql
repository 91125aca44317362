-- Record a written release; a release already recorded is never changed.
insert into release (submission_id, validation_run_id, country, cycle, version, status,
                     manifest_path, manifest_sha256, files)
values ($submission_id, $validation_run_id, $country, $cycle, $version, $status,
        $manifest_path, $manifest_sha256, $files)
on conflict do nothing
