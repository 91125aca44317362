insert into token (token_id, salt, token_hash, role, country, label, created_at)
values (:token_id, :salt, :token_hash, :role, :country, :label, :created_at)
