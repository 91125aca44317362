-- The notifier delivered this reminder.
update reminder
set delivery = 'delivered', delivered_at = current_timestamp
where reminder_id = $reminder_id and delivery = 'pending'
