-- The findings of one verdict, in a stable order.
select rule_code, severity, table_name, location, message, value
from finding
where submission_id = $submission_id and validation_run_id = $validation_run_id
order by all
