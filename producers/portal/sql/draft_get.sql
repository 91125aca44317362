select filename, source, body, uploaded_at from portal_draft where session_hash = :session_hash
