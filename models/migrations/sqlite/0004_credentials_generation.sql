-- The credentials generation: one row whose counter moves whenever a
-- resolved API key could have become wrong (models/accounts/ApiKeyCache.h).
-- Every process caches resolved keys and checks this row, one point read by
-- primary key, on each request, so a key revoked through one process is
-- refused by every other one on its very next request. The triggers bump it
-- in the transaction of the change itself, whichever code (or cascade) makes
-- it: a key revoked, rotated, re-scoped or deleted (its user or workspace
-- deleted included), a user's administrator flag or restriction changed, a
-- user deleted. Writes of last_used_at do not count.
CREATE TABLE credentials_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO credentials_generation (id, generation) VALUES (1, 1);
CREATE TRIGGER api_keys_credentials_update AFTER UPDATE OF secret_hash, revoked_at, user_id, workspace_id ON api_keys
WHEN OLD.secret_hash IS NOT NEW.secret_hash OR OLD.revoked_at IS NOT NEW.revoked_at OR OLD.user_id IS NOT NEW.user_id OR OLD.workspace_id IS NOT NEW.workspace_id
BEGIN UPDATE credentials_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER api_keys_credentials_delete AFTER DELETE ON api_keys
BEGIN UPDATE credentials_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER users_credentials_update AFTER UPDATE OF is_admin, restricted ON users
WHEN OLD.is_admin IS NOT NEW.is_admin OR OLD.restricted IS NOT NEW.restricted
BEGIN UPDATE credentials_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER users_credentials_delete AFTER DELETE ON users
BEGIN UPDATE credentials_generation SET generation = generation + 1 WHERE id = 1; END;
