delete from claim where submission_id = :submission_id and sha256 = :sha256
