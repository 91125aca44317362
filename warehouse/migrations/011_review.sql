-- Technical acceptance: every event of a report's review by Alliance staff, as produced to
-- the feedback topic (pipeline.review). A review opens pending when the rules accept a
-- version; a reviewer's decision, its expiry or a newer version closes it.
create table review_event (
    event_id varchar primary key,
    submission_id varchar not null,
    country varchar not null,
    cycle varchar not null,
    version integer not null,
    state varchar not null check (state in (
        'pending', 'technically_accepted', 'correction_requested', 'superseded', 'expired'
    )),
    message varchar,
    reviewer varchar,
    occurred_at timestamptz not null,
    due_at timestamptz,
    superseded_by varchar,
    dag_id varchar,
    dag_run_id varchar,
    task_id varchar,
    map_index integer
);
comment on table review_event is 'Technical acceptance of accepted reports: one row per event on the feedback topic (review opened pending, decided, expired or superseded); append-only.';
comment on column review_event.event_id is 'Deterministic id of the event (submission and state), so a re-sent event is stored once.';
comment on column review_event.submission_id is 'The submission under review (an accepted or accepted_with_warnings verdict).';
comment on column review_event.country is 'ISO 3166-1 alpha-3 code of the submitting ally.';
comment on column review_event.cycle is 'Reporting cycle, e.g. 2026-H1.';
comment on column review_event.version is 'Version of the report within its (country, cycle).';
comment on column review_event.state is 'pending (waiting for a reviewer), technically_accepted, correction_requested, superseded (a newer version arrived first) or expired (no decision by due_at).';
comment on column review_event.message is 'The reviewer''s message to the submitter (a correction request says what to correct).';
comment on column review_event.reviewer is 'Who decided (the Airflow user), NULL for pending, superseded and expired.';
comment on column review_event.occurred_at is 'When the event happened (UTC).';
comment on column review_event.due_at is 'Until when the review waits for a decision (set when it opens).';
comment on column review_event.superseded_by is 'The newer submission that superseded this review.';
comment on column review_event.dag_id is 'The Airflow DAG whose human-in-the-loop task asks for the decision.';
comment on column review_event.dag_run_id is 'Its DAG run.';
comment on column review_event.task_id is 'Its task.';
comment on column review_event.map_index is 'Its map index: the REST path is /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}/hitlDetails.';

create view current_review as
select *
from review_event
qualify row_number() over (
    partition by submission_id order by occurred_at desc, event_id desc
) = 1;
comment on view current_review is 'The latest review event of each reviewed submission: its review state now.';
