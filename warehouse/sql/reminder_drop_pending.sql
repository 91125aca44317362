-- Forget a planned reminder that never reached the topic and is no longer due.
delete from reminder
where state = 'pending' and list_contains($reminder_ids, reminder_id)
