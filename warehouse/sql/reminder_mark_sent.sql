-- Record the broker's acknowledgement of pending reminders (coordinates, delivery state).
update reminder
set state = 'sent', topic = s.topic, "partition" = s."partition", "offset" = s."offset",
    sent_at = current_timestamp, delivery = s.delivery
from staged_rows as s
where reminder.reminder_id = s.reminder_id and reminder.state = 'pending'
