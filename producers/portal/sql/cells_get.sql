select cells from portal_cells where submission_id = :submission_id
