delete from portal_session where expires_at <= :now
