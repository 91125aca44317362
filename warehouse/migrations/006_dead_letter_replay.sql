-- Attempts to judge dead-lettered events again (`resilience deadletter replay`), so that a
-- replay is idempotent: an event judged by a replay is not replayed twice.
create table dead_letter_replay (
    topic varchar not null,
    "partition" integer not null,
    "offset" bigint not null,
    submission_id varchar,
    replayed_at timestamptz not null default current_timestamp,
    validation_run_id varchar,
    outcome varchar not null,
    reason varchar
);
comment on table dead_letter_replay is 'One row per attempt to judge a dead-lettered event again; the dead-letter quarantine row itself never changes.';
comment on column dead_letter_replay.topic is 'Kafka topic of the dead-lettered event.';
comment on column dead_letter_replay."partition" is 'Kafka partition of the dead-lettered event.';
comment on column dead_letter_replay."offset" is 'Kafka offset of the dead-lettered event.';
comment on column dead_letter_replay.submission_id is 'Submission the event carries, when it has one.';
comment on column dead_letter_replay.replayed_at is 'When the replay ran (UTC).';
comment on column dead_letter_replay.validation_run_id is 'Validation run that judged it (NULL when it still could not be judged).';
comment on column dead_letter_replay.outcome is 'judged (it has a verdict now) or still_unjudgeable (dead-lettered again, once).';
comment on column dead_letter_replay.reason is 'Why it still could not be judged.';
