-- Reference data loaded from schemas/reference by warehouse.reference_load.

create table ally (
    iso3 varchar primary key,
    name varchar not null,
    joined_on date not null,
    eu_member boolean not null
);
comment on table ally is 'The 32 Allies and the date each joined; aggregates count an ally for a cycle only if joined_on <= the cycle''s end.';
comment on column ally.iso3 is 'ISO 3166-1 alpha-3 code.';
comment on column ally.name is 'Name of the ally.';
comment on column ally.joined_on is 'Date the ally joined the Alliance.';
comment on column ally.eu_member is 'True if the ally is also an EU member state (CER/NIS2 apply).';

create table domain (
    code varchar primary key,
    kind varchar not null,
    number integer,
    label varchar not null
);
comment on table domain is 'Goal domains: the seven baseline requirements and the cross-cutting domains.';
comment on column domain.code is 'Domain code used in reports, e.g. energy_supply.';
comment on column domain.kind is 'baseline_requirement or cross_cutting.';
comment on column domain.number is 'Number of the baseline requirement (1..7), NULL for cross-cutting.';
comment on column domain.label is 'Human-readable label.';

create table sector (
    code varchar primary key,
    label varchar not null
);
comment on table sector is 'Critical-infrastructure sectors reported under clause 16.';
comment on column sector.code is 'Sector code used in reports, e.g. energy.';
comment on column sector.label is 'Human-readable label.';

create table threat (
    code varchar primary key,
    label varchar not null
);
comment on table threat is 'Threat categories of reported risks.';
comment on column threat.code is 'Threat code used in reports, e.g. cyber.';
comment on column threat.label is 'Human-readable label.';

create table cycle (
    cycle varchar primary key,
    starts_on date not null,
    ends_on date not null,
    deadline date not null
);
comment on table cycle is 'Reporting cycles (half-years) with their submission deadlines.';
comment on column cycle.cycle is 'Cycle code, e.g. 2026-H1.';
comment on column cycle.starts_on is 'First day of the cycle.';
comment on column cycle.ends_on is 'Last day of the cycle; membership is judged on this date.';
comment on column cycle.deadline is 'Submission deadline (ends_on + 60 days).';
