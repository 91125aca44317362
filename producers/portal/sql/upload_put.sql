insert into portal_upload (session_hash, filename, source, body, cells, uploaded_at)
values (:session_hash, :filename, :source, :body, :cells, :uploaded_at)
on conflict (session_hash) do update set
    filename = excluded.filename,
    source = excluded.source,
    body = excluded.body,
    cells = excluded.cells,
    uploaded_at = excluded.uploaded_at
