-- For each asked submission that has a verdict: the content hash of the first event landed
-- with its id (the one that was judged).
with asked as (
    select unnest($submission_ids::varchar[]) as submission_id
),
judged as (
    select distinct submission_id
    from verdict
    where submission_id in (select submission_id from asked)
)
select
    e.submission_id,
    arg_min(e.content_sha256, (e.received_at, e.topic, e."partition", e."offset")) as content_sha256
from raw_event as e
join judged using (submission_id)
where e.content_sha256 is not null
group by e.submission_id
