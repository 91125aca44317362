insert into portal_draft (session_hash, filename, source, body, uploaded_at)
values (:session_hash, :filename, :source, :body, :uploaded_at)
on conflict (session_hash) do update set
    filename = excluded.filename,
    source = excluded.source,
    body = excluded.body,
    uploaded_at = excluded.uploaded_at
