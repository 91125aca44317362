-- The accepted rows of one report version in table {table} (an allow-listed name), in key order.
select * exclude (loaded_at)
from {table}
where country = $country and cycle = $cycle and version = $version
  and submission_id = $submission_id
order by all
