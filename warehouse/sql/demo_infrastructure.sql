-- Critical infrastructure of one cycle per sector (mart_infrastructure).
select
    sector,
    reporting_allies,
    assets_assessed,
    round(redundancy_share * 100, 1) as redundancy_pct,
    significant_incidents,
    round(outage_hours, 0) as outage_hours,
    round(eu_nis2_full_share * 100, 1) as eu_nis2_full_pct
from mart_infrastructure
where cycle = $cycle
order by sector
