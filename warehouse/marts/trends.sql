-- mart: mart_trends
-- Headline figures of each ally's latest accepted report and their change since the ally's
-- previous reported cycle.
-- grain: one row per ally x cycle with an accepted report, for allies that were members at
--   the cycle's end. Refreshing a cycle also refreshes the next reported cycle of each ally
--   (its deltas depend on it).
-- key: country, cycle
-- columns:
--   country: ISO 3166-1 alpha-3 code of the ally.
--   cycle: Reporting cycle.
--   prev_cycle: The ally's previous cycle with an accepted report, NULL if none.
--   goals: Goals in the latest accepted version.
--   on_track_share: Share of indicators on track (half of the way from baseline to target).
--   completion_rate: Share of milestones (not cancelled) done.
--   budget_execution: Budget spent / allocated over all measures.
--   significant_incidents: Significant incidents over all sectors.
--   outage_hours: Outage hours over all sectors.
--   goals_delta: goals minus the previous cycle's.
--   on_track_share_delta: on_track_share minus the previous cycle's.
--   completion_rate_delta: completion_rate minus the previous cycle's.
--   budget_execution_delta: budget_execution minus the previous cycle's.
--   significant_incidents_delta: significant_incidents minus the previous cycle's.
--   outage_hours_delta: outage_hours minus the previous cycle's.
with reports as (
    select country, cycle
    from member_report
),

goals as (
    select country, cycle, count(*) as goals
    from current_goal
    group by country, cycle
),

indicators as (
    select
        country,
        cycle,
        count(*) filter (
            where case
                when target_value = baseline_value then current_value = target_value
                else (current_value - baseline_value) / (target_value - baseline_value) >= 0.5
            end
        ) / count(*) as on_track_share
    from current_indicator
    group by country, cycle
),

milestones as (
    select
        country,
        cycle,
        count(*) filter (where status = 'done')
            / nullif(count(*) filter (where status <> 'cancelled'), 0) as completion_rate
    from current_milestone
    group by country, cycle
),

budget as (
    select
        country,
        cycle,
        sum(budget_spent_meur) / nullif(sum(budget_allocated_meur), 0) as budget_execution
    from current_measure
    group by country, cycle
),

sectors as (
    select country, cycle, significant_incidents, outage_hours
    from current_sector_totals
),

figures as (
    select
        r.country,
        r.cycle,
        lag(r.cycle) over per_ally as prev_cycle,
        coalesce(g.goals, 0) as goals,
        round(i.on_track_share, 4) as on_track_share,
        round(m.completion_rate, 4) as completion_rate,
        round(b.budget_execution, 4) as budget_execution,
        s.significant_incidents,
        round(s.outage_hours, 3) as outage_hours,
        coalesce(g.goals, 0) - lag(coalesce(g.goals, 0)) over per_ally as goals_delta,
        round(i.on_track_share - lag(i.on_track_share) over per_ally, 4) as on_track_share_delta,
        round(m.completion_rate - lag(m.completion_rate) over per_ally, 4)
            as completion_rate_delta,
        round(b.budget_execution - lag(b.budget_execution) over per_ally, 4)
            as budget_execution_delta,
        s.significant_incidents - lag(s.significant_incidents) over per_ally
            as significant_incidents_delta,
        round(s.outage_hours - lag(s.outage_hours) over per_ally, 3) as outage_hours_delta
    from reports as r
    left join goals as g on g.country = r.country and g.cycle = r.cycle
    left join indicators as i on i.country = r.country and i.cycle = r.cycle
    left join milestones as m on m.country = r.country and m.cycle = r.cycle
    left join budget as b on b.country = r.country and b.cycle = r.cycle
    left join sectors as s on s.country = r.country and s.cycle = r.cycle
    window per_ally as (partition by r.country order by r.cycle)
)

select * from figures
where $cycles is null or list_contains($cycles, cycle) or list_contains($cycles, prev_cycle)
order by cycle, country
