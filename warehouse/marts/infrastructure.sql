-- mart: mart_infrastructure
-- Critical-infrastructure status per sector (clause 16): redundancy, incidents, outages,
-- and how EU members and other allies align with the CER and NIS2 directives.
-- grain: one row per cycle x sector; counts only allies that were members at the cycle's end
--   (latest accepted version).
-- key: cycle, sector
-- columns:
--   cycle: Reporting cycle.
--   sector: Sector code (see table sector).
--   reporting_allies: Allies that reported the sector.
--   assets_assessed: Critical assets assessed.
--   redundancy_share: Share of assessed assets with redundancy or backup (asset-weighted, 0-1).
--   significant_incidents: Significant incidents.
--   outage_hours: Outage hours.
--   eu_allies: Reporting allies that are EU members.
--   eu_cer_full_share: Share of EU members fully aligned with CER (not_applicable excluded).
--   eu_nis2_full_share: Share of EU members fully aligned with NIS2 (not_applicable excluded).
--   other_allies: Reporting allies that are not EU members.
--   other_cer_full_share: Share of non-EU allies fully aligned with CER (not_applicable excluded).
--   other_nis2_full_share: Share of non-EU allies fully aligned with NIS2 (not_applicable excluded).
with reports as (
    select country, cycle, eu_member
    from member_report
    where $cycles is null or list_contains($cycles, cycle)
),

sectors as (
    select
        i.cycle,
        i.sector,
        i.country,
        r.eu_member,
        i.assets_assessed,
        i.redundancy_pct,
        i.significant_incidents,
        i.outage_hours,
        case i.cer_alignment when 'full' then 1.0 when 'not_applicable' then null else 0.0 end
            as cer_full,
        case i.nis2_alignment when 'full' then 1.0 when 'not_applicable' then null else 0.0 end
            as nis2_full
    from current_infrastructure as i
    join reports as r on r.country = i.country and r.cycle = i.cycle
),

final as (
    select
        cycle,
        sector,
        count(distinct country) as reporting_allies,
        sum(assets_assessed)::bigint as assets_assessed,
        round(
            sum(assets_assessed * redundancy_pct / 100.0) / nullif(sum(assets_assessed), 0), 4
        ) as redundancy_share,
        sum(significant_incidents)::bigint as significant_incidents,
        round(sum(outage_hours), 3) as outage_hours,
        count(distinct country) filter (where eu_member) as eu_allies,
        round(avg(cer_full) filter (where eu_member), 4) as eu_cer_full_share,
        round(avg(nis2_full) filter (where eu_member), 4) as eu_nis2_full_share,
        count(distinct country) filter (where not eu_member) as other_allies,
        round(avg(cer_full) filter (where not eu_member), 4) as other_cer_full_share,
        round(avg(nis2_full) filter (where not eu_member), 4) as other_nis2_full_share
    from sectors
    group by cycle, sector
)

select * from final
order by cycle, sector
