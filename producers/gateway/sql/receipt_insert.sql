insert into receipt (
    submission_id, country, cycle, version, received_at, topic, partition, "offset", sha256
)
values (
    :submission_id, :country, :cycle, :version, :received_at, :topic, :partition, :offset, :sha256
)
on conflict (submission_id) do nothing
