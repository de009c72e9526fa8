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
    generation BIGINT NOT NULL
);
INSERT INTO credentials_generation (id, generation) VALUES (1, 1);
CREATE FUNCTION bump_credentials_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE credentials_generation SET generation = generation + 1 WHERE id = 1; RETURN NULL; END $$;
CREATE TRIGGER api_keys_credentials_update AFTER UPDATE OF secret_hash, revoked_at, user_id, workspace_id ON api_keys
FOR EACH ROW WHEN (OLD.secret_hash IS DISTINCT FROM NEW.secret_hash OR OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.workspace_id IS DISTINCT FROM NEW.workspace_id)
EXECUTE FUNCTION bump_credentials_generation();
CREATE TRIGGER api_keys_credentials_delete AFTER DELETE ON api_keys
FOR EACH ROW EXECUTE FUNCTION bump_credentials_generation();
CREATE TRIGGER users_credentials_update AFTER UPDATE OF is_admin, restricted ON users
FOR EACH ROW WHEN (OLD.is_admin IS DISTINCT FROM NEW.is_admin OR OLD.restricted IS DISTINCT FROM NEW.restricted)
EXECUTE FUNCTION bump_credentials_generation();
CREATE TRIGGER users_credentials_delete AFTER DELETE ON users
FOR EACH ROW EXECUTE FUNCTION bump_credentials_generation();
