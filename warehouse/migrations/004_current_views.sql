-- current_*: only the latest accepted version per (country, cycle); current_verdict: latest verdict per submission.


create view current_report as
select * from report
qualify row_number() over (partition by country, cycle order by version desc) = 1;

comment on view current_report is 'The latest accepted version of each (country, cycle) report.';

create view current_goal as
select t.* from goal as t
semi join current_report as r using (country, cycle, version);

comment on view current_goal is 'Rows of goal from the latest accepted version of each (country, cycle) report.';

create view current_indicator as
select t.* from indicator as t
semi join current_report as r using (country, cycle, version);

comment on view current_indicator is 'Rows of indicator from the latest accepted version of each (country, cycle) report.';

create view current_measure as
select t.* from measure as t
semi join current_report as r using (country, cycle, version);

comment on view current_measure is 'Rows of measure from the latest accepted version of each (country, cycle) report.';

create view current_milestone as
select t.* from milestone as t
semi join current_report as r using (country, cycle, version);

comment on view current_milestone is 'Rows of milestone from the latest accepted version of each (country, cycle) report.';

create view current_infrastructure as
select t.* from infrastructure as t
semi join current_report as r using (country, cycle, version);

comment on view current_infrastructure is 'Rows of infrastructure from the latest accepted version of each (country, cycle) report.';

create view current_risk as
select t.* from risk as t
semi join current_report as r using (country, cycle, version);

comment on view current_risk is 'Rows of risk from the latest accepted version of each (country, cycle) report.';

create view current_verdict as
select * from verdict
qualify row_number() over (partition by submission_id order by judged_at desc, validation_run_id desc) = 1;

comment on view current_verdict is 'The latest verdict (by judged_at) of each submission.';
