-- Append replay attempts of dead-lettered events.
insert into dead_letter_replay
    (topic, "partition", "offset", submission_id, validation_run_id, outcome, reason)
select topic, "partition", "offset", submission_id, validation_run_id, outcome, reason
from staged_rows
