-- mart: mart_progress
-- Implementation progress of the measures: milestone completion, milestones done on time
-- and budget execution, per domain and alliance-wide (domain = 'ALL').
-- grain: one row per cycle x domain of the measures, plus one row per cycle with domain
--   'ALL'; counts only allies that were members at the cycle's end (latest accepted version).
-- key: cycle, domain
-- columns:
--   cycle: Reporting cycle.
--   domain: Domain code of the measures, or ALL for the alliance-wide row.
--   reporting_allies: Allies with measures counted in the row.
--   measures: Measures counted.
--   milestones: Milestones not cancelled.
--   milestones_done: Milestones with status done.
--   completion_rate: milestones_done / milestones.
--   milestones_due: Milestones not cancelled that were due by the cycle's end.
--   milestones_due_done: Of those, milestones done.
--   on_time_rate: milestones_due_done / milestones_due.
--   budget_allocated_meur: Budget allocated, million EUR.
--   budget_spent_meur: Budget spent, million EUR.
--   budget_execution: budget_spent_meur / budget_allocated_meur.
with reports as (
    select country, cycle, ends_on
    from member_report
    where $cycles is null or list_contains($cycles, cycle)
),

measures as (
    select m.country, m.cycle, m.measure_id, m.domain, m.budget_allocated_meur, m.budget_spent_meur
    from current_measure as m
    semi join reports as r on r.country = m.country and r.cycle = m.cycle
),

milestones as (
    select ms.cycle, m.domain, ms.status, ms.due_date, r.ends_on
    from current_milestone as ms
    join measures as m
        on m.country = ms.country and m.cycle = ms.cycle and m.measure_id = ms.measure_id
    join reports as r on r.country = ms.country and r.cycle = ms.cycle
),

milestone_figures as (
    select
        cycle,
        case when grouping(domain) = 1 then 'ALL' else domain end as domain,
        count(*) filter (where status <> 'cancelled') as milestones,
        count(*) filter (where status = 'done') as milestones_done,
        count(*) filter (where status <> 'cancelled' and due_date <= ends_on) as milestones_due,
        count(*) filter (where status = 'done' and due_date <= ends_on) as milestones_due_done
    from milestones
    group by grouping sets ((cycle, domain), (cycle))
),

budget_figures as (
    select
        cycle,
        case when grouping(domain) = 1 then 'ALL' else domain end as domain,
        count(distinct country) as reporting_allies,
        count(*) as measures,
        sum(budget_allocated_meur) as budget_allocated_meur,
        sum(budget_spent_meur) as budget_spent_meur
    from measures
    group by grouping sets ((cycle, domain), (cycle))
),

final as (
    select
        b.cycle,
        b.domain,
        b.reporting_allies,
        b.measures,
        coalesce(f.milestones, 0) as milestones,
        coalesce(f.milestones_done, 0) as milestones_done,
        round(f.milestones_done / nullif(f.milestones, 0), 4) as completion_rate,
        coalesce(f.milestones_due, 0) as milestones_due,
        coalesce(f.milestones_due_done, 0) as milestones_due_done,
        round(f.milestones_due_done / nullif(f.milestones_due, 0), 4) as on_time_rate,
        round(b.budget_allocated_meur, 3) as budget_allocated_meur,
        round(b.budget_spent_meur, 3) as budget_spent_meur,
        round(b.budget_spent_meur / nullif(b.budget_allocated_meur, 0), 4) as budget_execution
    from budget_figures as b
    left join milestone_figures as f on f.cycle = b.cycle and f.domain = b.domain
)

select * from final
order by cycle, domain
