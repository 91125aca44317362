select token_id, salt, token_hash, role, country, label, created_at, revoked_at
from token
where token_id = :token_id
