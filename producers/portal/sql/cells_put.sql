insert into portal_cells (submission_id, cells) values (:submission_id, :cells)
on conflict (submission_id) do nothing
