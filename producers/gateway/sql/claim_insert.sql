insert into claim (submission_id, sha256, country, claimed_at)
values (:submission_id, :sha256, :country, :claimed_at)
on conflict (submission_id) do nothing
