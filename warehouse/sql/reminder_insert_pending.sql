-- Plan reminders before producing them; a (country, cycle, kind) already planned is kept.
insert into reminder (reminder_id, country, cycle, kind, deadline, due_on, emitted_for, state)
select reminder_id, country, cycle, kind, deadline::date, due_on::date, emitted_for::date,
       'pending'
from staged_rows
on conflict do nothing
