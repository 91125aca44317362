-- Allies with an accepted report for each asked cycle, submitted on or before $today (the
-- same notion of "reported" as mart_compliance: report.submitted_at of an accepted version).
select distinct cycle, country
from report
where list_contains($cycles, cycle)
  and submitted_at::date <= $today
