-- Sent reminders (optionally one cycle), for the demo and `resilience status`.
select cycle, country, kind, due_on, emitted_for, delivery, "partition", "offset"
from reminder
where state = 'sent' and ($cycle is null or cycle = $cycle)
order by cycle, due_on, country
