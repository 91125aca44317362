-- The reminder ledger rows of the asked cycles (every state).
select reminder_id, country, cycle, kind, state, "partition", "offset"
from reminder
where list_contains($cycles, cycle) or state = 'pending'
