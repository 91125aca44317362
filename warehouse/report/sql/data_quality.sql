-- Data-quality score per ally for one cycle, with its findings by severity.
with source as (
    select country, score, findings_blocker, findings_error, findings_warning, findings_info
    from mart_data_quality
    where cycle = $cycle
)

select country, score, findings_blocker, findings_error, findings_warning, findings_info
from source
order by country
