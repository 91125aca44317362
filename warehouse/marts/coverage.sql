-- mart: mart_coverage
-- Which domains each ally's current plan covers with goals, and how many of its indicators
-- are on track (at least half of the way from baseline to target).
-- grain: one row per ally x cycle x domain, for every ally that was a member at the cycle's
--   end and has an accepted report for the cycle, and every domain of the reference table.
-- key: country, cycle, domain
-- columns:
--   country: ISO 3166-1 alpha-3 code of the ally.
--   cycle: Reporting cycle.
--   domain: Domain code (see table domain).
--   domain_kind: baseline_requirement or cross_cutting.
--   version: Accepted version the figures come from (the latest).
--   goals: Goals of the ally in the domain.
--   goal_present: True if the ally has at least one goal in the domain.
--   indicators: Indicators of those goals.
--   indicators_on_track: Indicators whose current value has moved at least half of the way from baseline to target (target = baseline: current meets target).
--   on_track_share: indicators_on_track / indicators, NULL without indicators.
with reports as (
    select country, cycle, version
    from member_report
    where $cycles is null or list_contains($cycles, cycle)
),

goals as (
    select g.country, g.cycle, g.goal_id, g.domain
    from current_goal as g
    semi join reports as r on r.country = g.country and r.cycle = g.cycle
),

indicators as (
    select
        i.country,
        i.cycle,
        i.goal_id,
        case
            when i.target_value = i.baseline_value then i.current_value = i.target_value
            else (i.current_value - i.baseline_value)
                / (i.target_value - i.baseline_value) >= 0.5
        end as on_track
    from current_indicator as i
    semi join reports as r on r.country = i.country and r.cycle = i.cycle
),

goals_per_domain as (
    select country, cycle, domain, count(*) as goals
    from goals
    group by country, cycle, domain
),

indicators_per_domain as (
    select
        g.country,
        g.cycle,
        g.domain,
        count(*) as indicators,
        count(*) filter (where i.on_track) as indicators_on_track
    from indicators as i
    join goals as g on g.country = i.country and g.cycle = i.cycle and g.goal_id = i.goal_id
    group by g.country, g.cycle, g.domain
),

final as (
    select
        r.country,
        r.cycle,
        d.code as domain,
        d.kind as domain_kind,
        r.version,
        coalesce(gd.goals, 0) as goals,
        coalesce(gd.goals, 0) > 0 as goal_present,
        coalesce(id.indicators, 0) as indicators,
        coalesce(id.indicators_on_track, 0) as indicators_on_track,
        round(id.indicators_on_track / nullif(id.indicators, 0), 4) as on_track_share
    from reports as r
    cross join domain as d
    left join goals_per_domain as gd
        on gd.country = r.country and gd.cycle = r.cycle and gd.domain = d.code
    left join indicators_per_domain as id
        on id.country = r.country and id.cycle = r.cycle and id.domain = d.code
)

select * from final
order by cycle, country, domain
