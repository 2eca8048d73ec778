-- Roles and tokens (issue 17, parts 2 and 3).
--
-- A member's role in a team (platform/auth/roles.ts): owner, member or
-- viewer. Every membership made before roles existed had every right, so
-- those become owners; new ones are members unless told otherwise (the
-- first member of a team is made its owner by control/teams.ts).
ALTER TABLE memberships ADD COLUMN role text NOT NULL DEFAULT 'owner' CHECK (role IN ('owner', 'member', 'viewer'));
ALTER TABLE memberships ALTER COLUMN role SET DEFAULT 'member';

-- Tokens get a name (unique among a user's tokens that are not revoked), an
-- optional expiry and a revocation time; a revoked row is kept so listings
-- can show it. Tokens made before names are called token-1, token-2, … per
-- user, oldest first.
ALTER TABLE tokens ADD COLUMN name text, ADD COLUMN expires_at timestamptz, ADD COLUMN revoked_at timestamptz;
UPDATE tokens t SET name = 'token-' || n.rank
  FROM (SELECT id, row_number() OVER (PARTITION BY user_id ORDER BY created_at, id) AS rank FROM tokens) n
 WHERE n.id = t.id;
ALTER TABLE tokens ALTER COLUMN name SET NOT NULL;
ALTER TABLE tokens ADD CONSTRAINT tokens_name_check CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$');
CREATE UNIQUE INDEX tokens_user_name ON tokens (user_id, name) WHERE revoked_at IS NULL;
