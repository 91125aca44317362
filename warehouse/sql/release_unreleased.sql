-- Accepted verdicts without a release yet, with the Kafka coordinates and receipt hash of the
-- submission's first landed event (what the gateway's receipt names).
with accepted as (
    select submission_id, validation_run_id, country, cycle, version, status, n_blocker,
           n_error, n_warning, n_info, judged_at, suite_version
    from verdict
    where status in ('accepted', 'accepted_with_warnings')
),

unreleased as (
    select a.* from accepted as a
    anti join release as r using (submission_id, validation_run_id)
),

first_event as (
    select submission_id, topic, "partition", "offset", kafka_timestamp, content_sha256
    from raw_event
    where submission_id in (select submission_id from unreleased)
    qualify row_number() over (partition by submission_id order by received_at, "offset") = 1
)

select u.*, e.topic, e."partition", e."offset", e.kafka_timestamp, e.content_sha256
from unreleased as u
left join first_event as e using (submission_id)
order by u.judged_at, u.submission_id
