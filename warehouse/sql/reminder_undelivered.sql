-- Sent reminders that the notifier has still to deliver, oldest first.
select reminder_id, country, cycle, kind, deadline, due_on, emitted_for
from reminder
where state = 'sent' and delivery = 'pending'
order by sent_at, reminder_id
