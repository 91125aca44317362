-- Deadline reminders: the ledger that makes each (ally, cycle, kind) reminder happen once.
-- A row is written 'pending' before the event is produced and 'sent' (with its Kafka
-- coordinates) after the broker acknowledged it; see pipeline.reminders.
create table reminder (
    reminder_id varchar not null unique,
    country varchar not null,
    cycle varchar not null,
    kind varchar not null,
    deadline date not null,
    due_on date not null,
    emitted_for date not null,
    state varchar not null,
    topic varchar,
    "partition" integer,
    "offset" bigint,
    created_at timestamptz not null default current_timestamp,
    sent_at timestamptz,
    delivery varchar not null default 'off',
    delivered_at timestamptz,
    primary key (country, cycle, kind)
);
comment on table reminder is 'Deadline reminders sent to allies that had no accepted report for a cycle; one row per (country, cycle, kind), never two.';
comment on column reminder.reminder_id is 'Deterministic id of the reminder (the same for the same country, cycle and kind); the Kafka event carries it as header reminder_id.';
comment on column reminder.country is 'ISO 3166-1 alpha-3 code of the ally reminded.';
comment on column reminder.cycle is 'Reporting cycle the reminder is about, e.g. 2026-H1.';
comment on column reminder.kind is 'due_in_14_days, due_in_3_days or overdue (the day after the deadline).';
comment on column reminder.deadline is 'Submission deadline of the cycle.';
comment on column reminder.due_on is 'The day this kind of reminder is due (deadline - 14, deadline - 3, deadline + 1).';
comment on column reminder.emitted_for is 'The day the reminder run judged it for (the DAG''s logical date or its today param).';
comment on column reminder.state is 'pending (being produced; a later run checks the topic before producing again) or sent.';
comment on column reminder.topic is 'Kafka topic the reminder event went to.';
comment on column reminder."partition" is 'Kafka partition of the reminder event.';
comment on column reminder."offset" is 'Kafka offset of the reminder event.';
comment on column reminder.created_at is 'When the reminder was first planned (UTC).';
comment on column reminder.sent_at is 'When the broker acknowledged the event (UTC).';
comment on column reminder.delivery is 'Delivery beyond Kafka: off (no notifier configured when it was sent), pending or delivered.';
comment on column reminder.delivered_at is 'When the notifier (webhook) delivered it (UTC).';
