-- A live session of an active token: expired sessions and revoked tokens find nothing.
select s.session_hash, s.csrf_token, s.expires_at, t.token_id, t.role, t.country
from portal_session as s
join token as t on t.token_id = s.token_id
where s.session_hash = :session_hash
  and s.expires_at > :now
  and t.revoked_at is null
