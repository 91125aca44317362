-- Accepted rows per (table, submission, report key): what each verdict let through.
with source as (
    select 'report' as table_name, submission_id, country, cycle, version from report
    union all
    select 'goal', submission_id, country, cycle, version from goal
    union all
    select 'indicator', submission_id, country, cycle, version from indicator
    union all
    select 'measure', submission_id, country, cycle, version from measure
    union all
    select 'milestone', submission_id, country, cycle, version from milestone
    union all
    select 'infrastructure', submission_id, country, cycle, version from infrastructure
    union all
    select 'risk', submission_id, country, cycle, version from risk
)

select table_name, submission_id, country, cycle, version, count(*) as n_rows
from source
where $cycle is null or cycle = $cycle
group by table_name, submission_id, country, cycle, version
order by table_name, submission_id
