select token_id, role, country, label, created_at, revoked_at
from token
order by created_at, token_id
