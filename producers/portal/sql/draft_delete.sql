delete from portal_draft where session_hash = :session_hash
