-- Schema 1.1: significant incidents per sector split by cause (docs/report-contract.md,
-- "Versions and compatibility"). Additive: every existing row stays as it is; the cause
-- columns of a row from a 1.0 report are NULL, which means the cause is unknown, not zero.
alter table report add column schema_version varchar;
-- Every report loaded before this migration was a 1.0 report: 1.1 did not exist yet.
update report set schema_version = '1' where schema_version is null;
comment on column report.schema_version is 'Contract version of the report: 1 (1.0) or 1.1 (adds incidents by cause).';

alter table infrastructure add column cyber_incidents integer;
alter table infrastructure add column sabotage_incidents integer;
alter table infrastructure add column natural_hazard_incidents integer;
alter table infrastructure add column technical_failure_incidents integer;
alter table infrastructure add column other_incidents integer;
comment on column infrastructure.cyber_incidents is 'Significant incidents caused by a cyber attack or intrusion (1.1); NULL when the report gave no causes (unknown, not zero).';
comment on column infrastructure.sabotage_incidents is 'Significant incidents caused by physical sabotage (1.1); NULL when the report gave no causes.';
comment on column infrastructure.natural_hazard_incidents is 'Significant incidents caused by a natural hazard (1.1); NULL when the report gave no causes.';
comment on column infrastructure.technical_failure_incidents is 'Significant incidents caused by a technical failure or human error (1.1); NULL when the report gave no causes.';
comment on column infrastructure.other_incidents is 'Significant incidents of another or undetermined cause (1.1); NULL when the report gave no causes.';

-- The current_* views select t.*, so current_report and current_infrastructure show the new
-- columns without being recreated (and keep their comments).
