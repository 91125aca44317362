-- Reminders sent per cycle and kind, latest cycles first (for `resilience status`).
select cycle, kind, count(*) as allies, max(sent_at) as last_sent_at
from reminder
where state = 'sent'
group by cycle, kind
order by cycle desc, min(due_on)
limit 6
