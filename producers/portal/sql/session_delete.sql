delete from portal_session where session_hash = :session_hash
