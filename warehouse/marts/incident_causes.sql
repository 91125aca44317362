-- mart: mart_incident_causes
-- Significant incidents per ally and cycle split by cause (schema 1.1): cyber, sabotage,
-- natural hazard, technical failure, other. A cause column is NULL when the report gave no
-- causes at all (every 1.0 report): unknown, not zero. cause_unknown_incidents counts the
-- incidents of sectors without a breakdown, so a cause column is exact when it is 0.
-- grain: one row per ally x cycle with an accepted report (latest accepted version), for
--   allies that were members at the cycle's end.
-- key: country, cycle
-- columns:
--   country: ISO 3166-1 alpha-3 code of the ally.
--   cycle: Reporting cycle.
--   schema_version: Contract version of the report: 1 (1.0, no causes) or 1.1.
--   sectors: Sectors reported.
--   sectors_with_causes: Sectors whose incidents were split by cause.
--   significant_incidents: Significant incidents over all sectors.
--   cause_unknown_incidents: Incidents of sectors without a split by cause.
--   cyber_incidents: Incidents caused by cyber attacks; NULL if no sector gave causes.
--   sabotage_incidents: Incidents caused by physical sabotage; NULL if no sector gave causes.
--   natural_hazard_incidents: Incidents caused by natural hazards; NULL if no sector gave causes.
--   technical_failure_incidents: Incidents caused by technical failure; NULL if no sector gave causes.
--   other_incidents: Incidents of other causes; NULL if no sector gave causes.
with reports as (
    select country, cycle, schema_version
    from member_report
    where $cycles is null or list_contains($cycles, cycle)
),

sectors as (
    select
        i.country,
        i.cycle,
        i.significant_incidents,
        i.cyber_incidents is not null as has_causes,
        i.cyber_incidents,
        i.sabotage_incidents,
        i.natural_hazard_incidents,
        i.technical_failure_incidents,
        i.other_incidents
    from current_infrastructure as i
    join reports as r on r.country = i.country and r.cycle = i.cycle
),

by_ally as (
    select
        country,
        cycle,
        count(*) as sectors,
        count(*) filter (where has_causes) as sectors_with_causes,
        sum(significant_incidents)::bigint as significant_incidents,
        coalesce(sum(significant_incidents) filter (where not has_causes), 0)::bigint
            as cause_unknown_incidents,
        -- sum() of only NULLs is NULL: no sector with causes, cause unknown
        sum(cyber_incidents)::bigint as cyber_incidents,
        sum(sabotage_incidents)::bigint as sabotage_incidents,
        sum(natural_hazard_incidents)::bigint as natural_hazard_incidents,
        sum(technical_failure_incidents)::bigint as technical_failure_incidents,
        sum(other_incidents)::bigint as other_incidents
    from sectors
    group by country, cycle
),

final as (
    select
        r.country,
        r.cycle,
        r.schema_version,
        coalesce(b.sectors, 0) as sectors,
        coalesce(b.sectors_with_causes, 0) as sectors_with_causes,
        coalesce(b.significant_incidents, 0) as significant_incidents,
        coalesce(b.cause_unknown_incidents, 0) as cause_unknown_incidents,
        b.cyber_incidents,
        b.sabotage_incidents,
        b.natural_hazard_incidents,
        b.technical_failure_incidents,
        b.other_incidents
    from reports as r
    left join by_ally as b on b.country = r.country and b.cycle = r.cycle
)

select * from final
order by country, cycle
