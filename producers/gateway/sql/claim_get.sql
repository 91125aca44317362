select submission_id, sha256, country, claimed_at from claim where submission_id = :submission_id
