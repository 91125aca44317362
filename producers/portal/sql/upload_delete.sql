delete from portal_upload where session_hash = :session_hash
