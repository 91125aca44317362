-- Accepted rows of every report version (history); natural keys per docs/DESIGN.md.

create table report (
    submission_id varchar not null,
    country varchar not null,
    cycle varchar not null,
    version integer not null,
    submitted_at timestamptz,
    classification varchar,
    plan_adopted_on date,
    plan_horizon_end date,
    n_goals integer,
    n_measures integer,
    location varchar,
    loaded_at timestamptz not null default current_timestamp,
    primary key (country, cycle, version)
);
comment on table report is 'Accepted reports, every version kept (history); one row per (country, cycle, version).';
comment on column report.submission_id is 'Submission that delivered this row (idempotency key of the report).';
comment on column report.country is 'ISO 3166-1 alpha-3 code of the reporting ally.';
comment on column report.cycle is 'Reporting cycle, e.g. 2026-H1.';
comment on column report.version is 'Version of the report within its (country, cycle); each resubmission increments it.';
comment on column report.submitted_at is 'When the submitter says the report was submitted (UTC).';
comment on column report.classification is 'Classification marking: PUBLIC or NATO UNCLASSIFIED.';
comment on column report.plan_adopted_on is 'Date the national resilience plan was adopted.';
comment on column report.plan_horizon_end is 'Last date the plan covers.';
comment on column report.n_goals is 'Number of goals in the report as submitted.';
comment on column report.n_measures is 'Number of measures in the report as submitted.';
comment on column report.location is 'JSON pointer of the object in the report, e.g. /goals/2/indicators/0 (the report row has '''').';
comment on column report.loaded_at is 'When the row was loaded into the warehouse (UTC).';

create table goal (
    submission_id varchar not null,
    country varchar not null,
    cycle varchar not null,
    version integer not null,
    goal_id varchar not null,
    domain varchar,
    description varchar,
    target_date date,
    status varchar,
    location varchar,
    loaded_at timestamptz not null default current_timestamp,
    primary key (country, cycle, version, goal_id)
);
comment on table goal is 'Accepted national goals (clause 17), every version kept.';
comment on column goal.submission_id is 'Submission that delivered this row (idempotency key of the report).';
comment on column goal.country is 'ISO 3166-1 alpha-3 code of the reporting ally.';
comment on column goal.cycle is 'Reporting cycle, e.g. 2026-H1.';
comment on column goal.version is 'Version of the report within its (country, cycle); each resubmission increments it.';
comment on column goal.goal_id is 'Goal identifier within the report, e.g. G-01.';
comment on column goal.domain is 'Domain code (baseline requirement or cross-cutting), see table domain.';
comment on column goal.description is 'What the goal aims at.';
comment on column goal.target_date is 'Date by which the goal should be reached.';
comment on column goal.status is 'not_started, on_track, at_risk, delayed or achieved.';
comment on column goal.location is 'JSON pointer of the object in the report, e.g. /goals/2/indicators/0 (the report row has '''').';
comment on column goal.loaded_at is 'When the row was loaded into the warehouse (UTC).';

create table indicator (
    submission_id varchar not null,
    country varchar not null,
    cycle varchar not null,
    version integer not null,
    goal_id varchar not null,
    indicator_id varchar not null,
    name varchar,
    unit varchar,
    baseline_value double,
    target_value double,
    current_value double,
    measured_at date,
    location varchar,
    loaded_at timestamptz not null default current_timestamp,
    primary key (country, cycle, version, indicator_id)
);
comment on table indicator is 'Accepted goal indicators (baseline, target, current value), every version kept.';
comment on column indicator.submission_id is 'Submission that delivered this row (idempotency key of the report).';
comment on column indicator.country is 'ISO 3166-1 alpha-3 code of the reporting ally.';
comment on column indicator.cycle is 'Reporting cycle, e.g. 2026-H1.';
comment on column indicator.version is 'Version of the report within its (country, cycle); each resubmission increments it.';
comment on column indicator.goal_id is 'Goal the indicator measures.';
comment on column indicator.indicator_id is 'Indicator identifier within the report, e.g. I-0101.';
comment on column indicator.name is 'What is measured.';
comment on column indicator.unit is 'percent, count, hours, days, meur, gwh or ratio.';
comment on column indicator.baseline_value is 'Value when the plan started.';
comment on column indicator.target_value is 'Value the goal aims at.';
comment on column indicator.current_value is 'Latest measured value.';
comment on column indicator.measured_at is 'Date of the latest measurement.';
comment on column indicator.location is 'JSON pointer of the object in the report, e.g. /goals/2/indicators/0 (the report row has '''').';
comment on column indicator.loaded_at is 'When the row was loaded into the warehouse (UTC).';

create table measure (
    submission_id varchar not null,
    country varchar not null,
    cycle varchar not null,
    version integer not null,
    measure_id varchar not null,
    domain varchar,
    title varchar,
    goal_ids varchar[],
    budget_allocated_meur double,
    budget_spent_meur double,
    location varchar,
    loaded_at timestamptz not null default current_timestamp,
    primary key (country, cycle, version, measure_id)
);
comment on table measure is 'Accepted implementation measures (clause 22g) with their budget, every version kept.';
comment on column measure.submission_id is 'Submission that delivered this row (idempotency key of the report).';
comment on column measure.country is 'ISO 3166-1 alpha-3 code of the reporting ally.';
comment on column measure.cycle is 'Reporting cycle, e.g. 2026-H1.';
comment on column measure.version is 'Version of the report within its (country, cycle); each resubmission increments it.';
comment on column measure.measure_id is 'Measure identifier within the report, e.g. M-01.';
comment on column measure.domain is 'Domain code of the measure.';
comment on column measure.title is 'Title of the measure.';
comment on column measure.goal_ids is 'Goals the measure serves.';
comment on column measure.budget_allocated_meur is 'Budget allocated, million EUR.';
comment on column measure.budget_spent_meur is 'Budget spent so far, million EUR.';
comment on column measure.location is 'JSON pointer of the object in the report, e.g. /goals/2/indicators/0 (the report row has '''').';
comment on column measure.loaded_at is 'When the row was loaded into the warehouse (UTC).';

create table milestone (
    submission_id varchar not null,
    country varchar not null,
    cycle varchar not null,
    version integer not null,
    measure_id varchar not null,
    milestone_id varchar not null,
    title varchar,
    due_date date,
    status varchar,
    completion_pct double,
    location varchar,
    loaded_at timestamptz not null default current_timestamp,
    primary key (country, cycle, version, milestone_id)
);
comment on table milestone is 'Accepted milestones of measures, every version kept.';
comment on column milestone.submission_id is 'Submission that delivered this row (idempotency key of the report).';
comment on column milestone.country is 'ISO 3166-1 alpha-3 code of the reporting ally.';
comment on column milestone.cycle is 'Reporting cycle, e.g. 2026-H1.';
comment on column milestone.version is 'Version of the report within its (country, cycle); each resubmission increments it.';
comment on column milestone.measure_id is 'Measure the milestone belongs to.';
comment on column milestone.milestone_id is 'Milestone identifier within the report, e.g. MS-0101.';
comment on column milestone.title is 'Title of the milestone.';
comment on column milestone.due_date is 'Date the milestone is due.';
comment on column milestone.status is 'planned, in_progress, done or cancelled.';
comment on column milestone.completion_pct is 'Completion in percent (0-100).';
comment on column milestone.location is 'JSON pointer of the object in the report, e.g. /goals/2/indicators/0 (the report row has '''').';
comment on column milestone.loaded_at is 'When the row was loaded into the warehouse (UTC).';

create table infrastructure (
    submission_id varchar not null,
    country varchar not null,
    cycle varchar not null,
    version integer not null,
    sector varchar not null,
    assets_assessed integer,
    redundancy_pct double,
    significant_incidents integer,
    outage_hours double,
    cer_alignment varchar,
    nis2_alignment varchar,
    location varchar,
    loaded_at timestamptz not null default current_timestamp,
    primary key (country, cycle, version, sector)
);
comment on table infrastructure is 'Accepted critical-infrastructure status per sector (clause 16), every version kept.';
comment on column infrastructure.submission_id is 'Submission that delivered this row (idempotency key of the report).';
comment on column infrastructure.country is 'ISO 3166-1 alpha-3 code of the reporting ally.';
comment on column infrastructure.cycle is 'Reporting cycle, e.g. 2026-H1.';
comment on column infrastructure.version is 'Version of the report within its (country, cycle); each resubmission increments it.';
comment on column infrastructure.sector is 'Sector code, see table sector.';
comment on column infrastructure.assets_assessed is 'Critical assets assessed in the sector.';
comment on column infrastructure.redundancy_pct is 'Share of assessed assets with redundancy or backup, percent.';
comment on column infrastructure.significant_incidents is 'Significant incidents in the cycle.';
comment on column infrastructure.outage_hours is 'Outage hours in the cycle.';
comment on column infrastructure.cer_alignment is 'Alignment with the EU CER Directive 2022/2557: full, partial, none or not_applicable.';
comment on column infrastructure.nis2_alignment is 'Alignment with the EU NIS2 Directive 2022/2555: full, partial, none or not_applicable.';
comment on column infrastructure.location is 'JSON pointer of the object in the report, e.g. /goals/2/indicators/0 (the report row has '''').';
comment on column infrastructure.loaded_at is 'When the row was loaded into the warehouse (UTC).';

create table risk (
    submission_id varchar not null,
    country varchar not null,
    cycle varchar not null,
    version integer not null,
    risk_id varchar not null,
    threat varchar,
    likelihood integer,
    impact integer,
    description varchar,
    location varchar,
    loaded_at timestamptz not null default current_timestamp,
    primary key (country, cycle, version, risk_id)
);
comment on table risk is 'Accepted risks with threat category, likelihood and impact, every version kept.';
comment on column risk.submission_id is 'Submission that delivered this row (idempotency key of the report).';
comment on column risk.country is 'ISO 3166-1 alpha-3 code of the reporting ally.';
comment on column risk.cycle is 'Reporting cycle, e.g. 2026-H1.';
comment on column risk.version is 'Version of the report within its (country, cycle); each resubmission increments it.';
comment on column risk.risk_id is 'Risk identifier within the report, e.g. R-01.';
comment on column risk.threat is 'Threat code, see table threat.';
comment on column risk.likelihood is 'Likelihood score.';
comment on column risk.impact is 'Impact score.';
comment on column risk.description is 'Description of the risk.';
comment on column risk.location is 'JSON pointer of the object in the report, e.g. /goals/2/indicators/0 (the report row has '''').';
comment on column risk.loaded_at is 'When the row was loaded into the warehouse (UTC).';
