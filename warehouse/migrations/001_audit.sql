-- Audit tables: every Kafka event as received, validation runs, verdicts, findings, quarantine.

create table raw_event (
    topic varchar not null,
    "partition" integer not null,
    "offset" bigint not null,
    key blob,
    value blob,
    headers json,
    kafka_timestamp timestamptz,
    received_at timestamptz not null default current_timestamp,
    submission_id varchar,
    content_sha256 varchar,
    primary key (topic, "partition", "offset")
);
comment on table raw_event is 'Append-only audit of every Kafka event consumed, byte for byte; one row per (topic, partition, offset).';
comment on column raw_event.topic is 'Kafka topic the event was read from.';
comment on column raw_event."partition" is 'Kafka partition of the event.';
comment on column raw_event."offset" is 'Kafka offset of the event within its partition.';
comment on column raw_event.key is 'Kafka key as sent (the country code, UTF-8), NULL if none.';
comment on column raw_event.value is 'Kafka value as sent: the report JSON bytes exactly as posted.';
comment on column raw_event.headers is 'Kafka headers as a JSON list of [name, value] pairs (values decoded as UTF-8, else hex).';
comment on column raw_event.kafka_timestamp is 'Kafka record timestamp (UTC), NULL if the broker gave none.';
comment on column raw_event.received_at is 'When the pipeline landed the event in the warehouse (UTC).';
comment on column raw_event.submission_id is 'Header submission_id: the idempotency key of the submission, NULL if absent.';
comment on column raw_event.content_sha256 is 'Header content_sha256: hex SHA-256 of the value, NULL if absent.';

create table validation_run (
    validation_run_id varchar primary key,
    started_at timestamptz not null,
    finished_at timestamptz,
    events integer,
    reports integer,
    n_blocker integer,
    n_error integer,
    n_warning integer,
    n_info integer,
    suite_version varchar,
    "trigger" varchar
);
comment on table validation_run is 'One row per validation of a batch of events (an ingest run or a replay).';
comment on column validation_run.validation_run_id is 'Identifier of the run (unique).';
comment on column validation_run.started_at is 'When the run started (UTC).';
comment on column validation_run.finished_at is 'When the run finished (UTC).';
comment on column validation_run.events is 'Kafka events consumed in the run.';
comment on column validation_run.reports is 'Reports validated in the run.';
comment on column validation_run.n_blocker is 'Findings of severity BLOCKER in the run.';
comment on column validation_run.n_error is 'Findings of severity ERROR in the run.';
comment on column validation_run.n_warning is 'Findings of severity WARNING in the run.';
comment on column validation_run.n_info is 'Findings of severity INFO in the run.';
comment on column validation_run.suite_version is 'Version of the expectation suites used.';
comment on column validation_run."trigger" is 'What started the run: ingest or replay.';

create table verdict (
    submission_id varchar not null,
    validation_run_id varchar not null,
    country varchar,
    cycle varchar,
    version integer,
    status varchar not null,
    n_blocker integer not null default 0,
    n_error integer not null default 0,
    n_warning integer not null default 0,
    n_info integer not null default 0,
    judged_at timestamptz not null,
    suite_version varchar,
    primary key (submission_id, validation_run_id)
);
comment on table verdict is 'Verdict of one validation of one submission; a replay adds a new row (see current_verdict).';
comment on column verdict.submission_id is 'The submission judged.';
comment on column verdict.validation_run_id is 'The validation run that judged it.';
comment on column verdict.country is 'ISO 3166-1 alpha-3 code of the submitting ally.';
comment on column verdict.cycle is 'Reporting cycle, e.g. 2026-H1.';
comment on column verdict.version is 'Version of the report within its (country, cycle).';
comment on column verdict.status is 'accepted, accepted_with_warnings or rejected.';
comment on column verdict.n_blocker is 'Findings of severity BLOCKER.';
comment on column verdict.n_error is 'Findings of severity ERROR.';
comment on column verdict.n_warning is 'Findings of severity WARNING.';
comment on column verdict.n_info is 'Findings of severity INFO.';
comment on column verdict.judged_at is 'When the verdict was reached (UTC).';
comment on column verdict.suite_version is 'Version of the expectation suites used.';

create table finding (
    submission_id varchar not null,
    validation_run_id varchar not null,
    rule_code varchar not null,
    severity varchar not null,
    table_name varchar,
    location varchar,
    message varchar,
    value varchar
);
comment on table finding is 'One rule violation found in one submission by one validation run.';
comment on column finding.submission_id is 'The submission the finding is about.';
comment on column finding.validation_run_id is 'The validation run that found it.';
comment on column finding.rule_code is 'Stable rule code, e.g. RPT-001 (see schemas.rules).';
comment on column finding.severity is 'BLOCKER, ERROR, WARNING or INFO.';
comment on column finding.table_name is 'Flattened table of the offending row.';
comment on column finding.location is 'JSON pointer of the offending object in the report.';
comment on column finding.message is 'Human-readable explanation.';
comment on column finding.value is 'The offending value as text, if any.';

create table quarantine (
    submission_id varchar,
    validation_run_id varchar,
    source varchar not null,
    table_name varchar,
    "row" json,
    rule_code varchar,
    severity varchar,
    reason varchar not null,
    topic varchar,
    "partition" integer,
    "offset" bigint,
    quarantined_at timestamptz not null default current_timestamp
);
comment on table quarantine is 'Rows kept out of the accepted tables (ERROR rows) and poison events sent to the dead-letter topic.';
comment on column quarantine.submission_id is 'Submission of the row; NULL for a poison event without one.';
comment on column quarantine.validation_run_id is 'Validation run that quarantined it.';
comment on column quarantine.source is 'dead_letter (the whole event) or rule (one row failed an ERROR rule).';
comment on column quarantine.table_name is 'Flattened table of the row, NULL for a dead-letter event.';
comment on column quarantine."row" is 'The quarantined row as JSON.';
comment on column quarantine.rule_code is 'Rule that failed, NULL for a dead-letter event.';
comment on column quarantine.severity is 'Severity of the failed rule.';
comment on column quarantine.reason is 'Why it was quarantined, in words.';
comment on column quarantine.topic is 'Kafka topic of the source event.';
comment on column quarantine."partition" is 'Kafka partition of the source event.';
comment on column quarantine."offset" is 'Kafka offset of the source event.';
comment on column quarantine.quarantined_at is 'When it was quarantined (UTC).';
