-- Dead-letter quarantine rows per source event: exactly one is expected per poison event.
select
    topic,
    "partition",
    "offset",
    count(*) as n_rows
from quarantine
where source = 'dead_letter'
group by topic, "partition", "offset"
