-- Release records: each accepted verdict (accepted or accepted_with_warnings) becomes an
-- immutable directory of Parquet files and a manifest; this table says where, and the
-- manifest's hash that the submitter receives (see pipeline.releases).
create table release (
    submission_id varchar not null,
    validation_run_id varchar not null,
    country varchar not null,
    cycle varchar not null,
    version integer not null,
    status varchar not null,
    manifest_path varchar not null,
    manifest_sha256 varchar not null,
    files integer not null,
    released_at timestamptz not null default current_timestamp,
    primary key (submission_id, validation_run_id)
);
comment on table release is 'One immutable release per accepted verdict: Parquet files of the accepted rows and findings plus a manifest; a replay adds a row, never changes one.';
comment on column release.submission_id is 'The submission released.';
comment on column release.validation_run_id is 'The validation run whose verdict is released.';
comment on column release.country is 'ISO 3166-1 alpha-3 code of the submitting ally.';
comment on column release.cycle is 'Reporting cycle, e.g. 2026-H1.';
comment on column release.version is 'Version of the report within its (country, cycle).';
comment on column release.status is 'The verdict released: accepted or accepted_with_warnings.';
comment on column release.manifest_path is 'Path of manifest.json (the release directory holds it and the files it lists).';
comment on column release.manifest_sha256 is 'Hex SHA-256 of manifest.json as written; the submitter receives it with the verdict.';
comment on column release.files is 'Number of data files the manifest lists.';
comment on column release.released_at is 'When the release was written (UTC).';
