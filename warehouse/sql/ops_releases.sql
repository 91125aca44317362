-- How many releases are recorded, and the latest (for `resilience status`).
select count(*) as releases, max(released_at) as last_released_at
from release
