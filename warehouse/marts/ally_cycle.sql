-- mart: mart_ally_cycle
-- Per-ally implementation figures of each cycle, to compare allies within a cycle in one
-- query: milestones due and done on time, budget execution, goals on track, incidents and
-- outages, and their change since the ally's previous reported cycle.
-- grain: one row per ally x cycle with an accepted report (latest accepted version), for
--   allies that were members at the cycle's end. Refreshing a cycle also refreshes the next
--   reported cycle of each ally (its deltas depend on it).
-- key: country, cycle
-- columns:
--   country: ISO 3166-1 alpha-3 code of the ally.
--   cycle: Reporting cycle.
--   prev_cycle: The ally's previous cycle with an accepted report, NULL if none.
--   milestones: Milestones not cancelled.
--   milestones_done: Milestones with status done.
--   completion_rate: milestones_done / milestones.
--   milestones_due: Milestones not cancelled that were due by the cycle's end.
--   milestones_due_done: Of those, milestones done (done on time).
--   on_time_rate: milestones_due_done / milestones_due.
--   budget_allocated_meur: Budget allocated over all measures, million EUR.
--   budget_spent_meur: Budget spent over all measures, million EUR.
--   budget_execution: budget_spent_meur / budget_allocated_meur.
--   goals: Goals in the report.
--   goals_on_track: Goals with status on_track.
--   significant_incidents: Significant incidents over all sectors.
--   outage_hours: Outage hours over all sectors.
--   completion_rate_delta: completion_rate minus the previous cycle's.
--   on_time_rate_delta: on_time_rate minus the previous cycle's.
--   budget_execution_delta: budget_execution minus the previous cycle's.
--   goals_on_track_delta: goals_on_track minus the previous cycle's.
--   significant_incidents_delta: significant_incidents minus the previous cycle's.
--   outage_hours_delta: outage_hours minus the previous cycle's.
with reports as (
    select country, cycle, ends_on
    from member_report
),

milestones as (
    select
        ms.country,
        ms.cycle,
        count(*) filter (where ms.status <> 'cancelled') as milestones,
        count(*) filter (where ms.status = 'done') as milestones_done,
        count(*) filter (where ms.status <> 'cancelled' and ms.due_date <= r.ends_on)
            as milestones_due,
        count(*) filter (where ms.status = 'done' and ms.due_date <= r.ends_on)
            as milestones_due_done
    from current_milestone as ms
    join reports as r on r.country = ms.country and r.cycle = ms.cycle
    group by ms.country, ms.cycle
),

budget as (
    select
        country,
        cycle,
        sum(budget_allocated_meur) as budget_allocated_meur,
        sum(budget_spent_meur) as budget_spent_meur
    from current_measure
    group by country, cycle
),

goals as (
    select
        country,
        cycle,
        count(*) as goals,
        count(*) filter (where status = 'on_track') as goals_on_track
    from current_goal
    group by country, cycle
),

sectors as (
    select country, cycle, significant_incidents, outage_hours
    from current_sector_totals
),

rates as (
    select
        r.country,
        r.cycle,
        coalesce(m.milestones, 0) as milestones,
        coalesce(m.milestones_done, 0) as milestones_done,
        m.milestones_done / nullif(m.milestones, 0) as completion_rate,
        coalesce(m.milestones_due, 0) as milestones_due,
        coalesce(m.milestones_due_done, 0) as milestones_due_done,
        m.milestones_due_done / nullif(m.milestones_due, 0) as on_time_rate,
        b.budget_allocated_meur,
        b.budget_spent_meur,
        b.budget_spent_meur / nullif(b.budget_allocated_meur, 0) as budget_execution,
        coalesce(g.goals, 0) as goals,
        coalesce(g.goals_on_track, 0) as goals_on_track,
        s.significant_incidents,
        s.outage_hours
    from reports as r
    left join milestones as m on m.country = r.country and m.cycle = r.cycle
    left join budget as b on b.country = r.country and b.cycle = r.cycle
    left join goals as g on g.country = r.country and g.cycle = r.cycle
    left join sectors as s on s.country = r.country and s.cycle = r.cycle
),

figures as (
    select
        country,
        cycle,
        lag(cycle) over per_ally as prev_cycle,
        milestones,
        milestones_done,
        round(completion_rate, 4) as completion_rate,
        milestones_due,
        milestones_due_done,
        round(on_time_rate, 4) as on_time_rate,
        round(budget_allocated_meur, 3) as budget_allocated_meur,
        round(budget_spent_meur, 3) as budget_spent_meur,
        round(budget_execution, 4) as budget_execution,
        goals,
        goals_on_track,
        significant_incidents,
        round(outage_hours, 3) as outage_hours,
        round(completion_rate - lag(completion_rate) over per_ally, 4) as completion_rate_delta,
        round(on_time_rate - lag(on_time_rate) over per_ally, 4) as on_time_rate_delta,
        round(budget_execution - lag(budget_execution) over per_ally, 4)
            as budget_execution_delta,
        goals_on_track - lag(goals_on_track) over per_ally as goals_on_track_delta,
        significant_incidents - lag(significant_incidents) over per_ally
            as significant_incidents_delta,
        round(outage_hours - lag(outage_hours) over per_ally, 3) as outage_hours_delta
    from rates
    window per_ally as (partition by country order by cycle)
)

select * from figures
where $cycles is null or list_contains($cycles, cycle) or list_contains($cycles, prev_cycle)
order by cycle, country
