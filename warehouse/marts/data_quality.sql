-- mart: mart_data_quality
-- How clean and timely each ally's reporting was: findings by severity of the latest
-- verdict of each submission, rows quarantined, lateness, and a 0-100 score.
-- grain: one row per ally x cycle with at least one judged submission, for allies that were
--   members at the cycle's end.
-- key: country, cycle
-- columns:
--   country: ISO 3166-1 alpha-3 code of the ally.
--   cycle: Reporting cycle.
--   submissions: Submissions judged.
--   rejected_submissions: Submissions whose latest verdict is rejected.
--   on_time: True if the first accepted version was submitted by the deadline; false if late or never accepted.
--   days_late: Days after the deadline the first accepted version was submitted (0 if on time, NULL if none accepted).
--   findings_blocker: BLOCKER findings in the latest verdicts of the ally's submissions.
--   findings_error: ERROR findings in those verdicts.
--   findings_warning: WARNING findings in those verdicts.
--   findings_info: INFO findings in those verdicts.
--   quarantined_rows: Rows quarantined by rules in those validation runs.
--   score: 100 - 10 per BLOCKER - 5 per ERROR - 1 per WARNING - 10 if not on time, floored at 0.
with verdicts as (
    select v.submission_id, v.validation_run_id, v.country, v.cycle, v.status, c.deadline
    from current_verdict as v
    join cycle as c on c.cycle = v.cycle
    join ally as a on a.iso3 = v.country and a.joined_on <= c.ends_on
    where $cycles is null or list_contains($cycles, v.cycle)
),

findings as (
    select
        v.country,
        v.cycle,
        count(*) filter (where f.severity = 'BLOCKER') as findings_blocker,
        count(*) filter (where f.severity = 'ERROR') as findings_error,
        count(*) filter (where f.severity = 'WARNING') as findings_warning,
        count(*) filter (where f.severity = 'INFO') as findings_info
    from finding as f
    join verdicts as v
        on v.submission_id = f.submission_id and v.validation_run_id = f.validation_run_id
    group by v.country, v.cycle
),

quarantined as (
    select v.country, v.cycle, count(*) as quarantined_rows
    from quarantine as q
    join verdicts as v
        on v.submission_id = q.submission_id and v.validation_run_id = q.validation_run_id
    where q.source = 'rule'
    group by v.country, v.cycle
),

accepted as (
    select country, cycle, min(submitted_at)::date as first_accepted_on
    from report
    group by country, cycle
),

per_ally as (
    select
        country,
        cycle,
        any_value(deadline) as deadline,
        count(*) as submissions,
        count(*) filter (where status = 'rejected') as rejected_submissions
    from verdicts
    group by country, cycle
),

final as (
    select
        p.country,
        p.cycle,
        p.submissions,
        p.rejected_submissions,
        coalesce(a.first_accepted_on <= p.deadline, false) as on_time,
        case when a.first_accepted_on is not null
            then greatest(date_diff('day', p.deadline, a.first_accepted_on), 0)
        end as days_late,
        coalesce(f.findings_blocker, 0) as findings_blocker,
        coalesce(f.findings_error, 0) as findings_error,
        coalesce(f.findings_warning, 0) as findings_warning,
        coalesce(f.findings_info, 0) as findings_info,
        coalesce(q.quarantined_rows, 0) as quarantined_rows,
        greatest(
            100
            - 10 * coalesce(f.findings_blocker, 0)
            - 5 * coalesce(f.findings_error, 0)
            - coalesce(f.findings_warning, 0)
            - case when coalesce(a.first_accepted_on <= p.deadline, false) then 0 else 10 end,
            0
        ) as score
    from per_ally as p
    left join findings as f on f.country = p.country and f.cycle = p.cycle
    left join quarantined as q on q.country = p.country and q.cycle = p.cycle
    left join accepted as a on a.country = p.country and a.cycle = p.cycle
)

select * from final
order by cycle, country
