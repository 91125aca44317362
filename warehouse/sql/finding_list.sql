with source as (
    select rule_code, severity, message, location, table_name, value
    from finding
    where submission_id = $submission_id
      and validation_run_id = $validation_run_id
),

ranked as (
    select
        *,
        case severity when 'BLOCKER' then 0 when 'ERROR' then 1 when 'WARNING' then 2 else 3 end
            as severity_rank
    from source
)

select rule_code, severity, message, location, table_name, value
from ranked
order by severity_rank, location, rule_code
