-- Significant incidents by cause per cycle (mart_incident_causes): allies reporting causes
-- (schema 1.1) and the incidents whose cause is unknown (1.0 reports count there).
select
    cycle,
    count(*) as allies,
    count(*) filter (where schema_version = '1.1') as allies_on_1_1,
    sum(significant_incidents) as incidents,
    sum(cyber_incidents) as cyber,
    sum(sabotage_incidents) as sabotage,
    sum(cause_unknown_incidents) as cause_unknown
from mart_incident_causes
group by cycle
order by cycle
