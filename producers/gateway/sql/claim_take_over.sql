-- A stale claim (its process died between claim and receipt) passes to this request.
update claim set sha256 = :sha256, country = :country, claimed_at = :claimed_at
where submission_id = :submission_id and claimed_at = :stale_at
