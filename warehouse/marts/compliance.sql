-- mart: mart_compliance
-- Did each ally report for the cycle, on time, in how many versions, with what verdict.
-- Counts submissions from the verdict history (current_verdict, one row per submission)
-- and accepted versions from the report history; figures of the content come from the
-- latest accepted version.
-- grain: one row per cycle x ally, for every ally that was a member at the cycle's END
--   (joined_on <= ends_on), for every cycle with at least one judged or accepted submission.
-- key: cycle, country
-- columns:
--   cycle: Reporting cycle.
--   country: ISO 3166-1 alpha-3 code of the ally.
--   deadline: Submission deadline of the cycle.
--   submitted: True if the ally submitted anything for the cycle that was judged.
--   submissions: Submissions judged (any verdict).
--   rejected_submissions: Submissions whose latest verdict is rejected.
--   versions_accepted: Accepted versions.
--   current_version: Latest accepted version, NULL if none.
--   first_accepted_at: submitted_at of the first accepted version.
--   on_time: True if the first accepted version was submitted by the deadline (UTC date), NULL if none accepted.
--   days_late: Days after the deadline the first accepted version was submitted (0 if on time, NULL if none accepted).
--   current_status: Latest verdict of the latest accepted version; without one, of the latest judged submission.
--   review_status: Technical acceptance of the latest accepted version: pending, technically_accepted, correction_requested, superseded or expired; NULL before its review opened.
with cycles_in_play as (
    select cycle from verdict where cycle is not null
    union
    select cycle from report
),

members as (
    select c.cycle, c.deadline, a.iso3 as country
    from cycle as c
    semi join cycles_in_play as p on p.cycle = c.cycle
    join ally as a on a.joined_on <= c.ends_on
    where $cycles is null or list_contains($cycles, c.cycle)
),

judged as (
    select
        country,
        cycle,
        count(*) as submissions,
        count(*) filter (where status = 'rejected') as rejected_submissions,
        arg_max(status, (version, judged_at)) as latest_status
    from current_verdict
    where country is not null and cycle is not null
    group by country, cycle
),

accepted as (
    select country, cycle, count(*) as versions_accepted, min(submitted_at) as first_accepted_at
    from report
    group by country, cycle
),

latest_accepted as (
    select r.country, r.cycle, r.version, v.status, cr.state as review_status
    from current_report as r
    left join current_verdict as v on v.submission_id = r.submission_id
    left join current_review as cr on cr.submission_id = r.submission_id
),

final as (
    select
        m.cycle,
        m.country,
        m.deadline,
        coalesce(j.submissions, 0) > 0 or a.versions_accepted is not null as submitted,
        coalesce(j.submissions, 0) as submissions,
        coalesce(j.rejected_submissions, 0) as rejected_submissions,
        coalesce(a.versions_accepted, 0) as versions_accepted,
        l.version as current_version,
        a.first_accepted_at,
        a.first_accepted_at::date <= m.deadline as on_time,
        case when a.first_accepted_at is not null
            then greatest(date_diff('day', m.deadline, a.first_accepted_at::date), 0)
        end as days_late,
        coalesce(l.status, j.latest_status) as current_status,
        l.review_status
    from members as m
    left join judged as j on j.country = m.country and j.cycle = m.cycle
    left join accepted as a on a.country = m.country and a.cycle = m.cycle
    left join latest_accepted as l on l.country = m.country and l.cycle = m.cycle
)

select * from final
order by cycle, country
