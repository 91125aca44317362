-- When the newest data in the warehouse was judged: the last finished validation run.
select max(finished_at) as freshness
from validation_run
