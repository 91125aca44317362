insert into portal_session (session_hash, token_id, csrf_token, created_at, expires_at)
values (:session_hash, :token_id, :csrf_token, :created_at, :expires_at)
