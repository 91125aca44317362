-- current_sector_totals: incidents and outages over all sectors of each latest accepted report,
-- one definition for the marts that show them (mart_trends, mart_ally_cycle).


create view current_sector_totals as
select
    country,
    cycle,
    sum(significant_incidents)::bigint as significant_incidents,
    sum(outage_hours) as outage_hours
from current_infrastructure
group by country, cycle;

comment on view current_sector_totals is 'Significant incidents and outage hours summed over all sectors of the latest accepted version of each (country, cycle) report.';
comment on column current_sector_totals.country is 'ISO 3166-1 alpha-3 code of the ally.';
comment on column current_sector_totals.cycle is 'Reporting cycle.';
comment on column current_sector_totals.significant_incidents is 'Significant incidents over all sectors.';
comment on column current_sector_totals.outage_hours is 'Outage hours over all sectors.';
