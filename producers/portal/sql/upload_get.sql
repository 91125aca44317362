select filename, source, body, cells, uploaded_at from portal_upload
where session_hash = :session_hash
