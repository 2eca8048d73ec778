-- Destroying an app is a job (platform/control/erase.ts): until it has erased
-- everything the app had (containers, images, caches, repository, logs), the
-- row stays with `destroying_at` set. Such an app exists for nobody (every
-- lookup leaves it out) but keeps its name taken, so a new app of the same
-- name cannot start while anything of the old one is left.
ALTER TABLE apps ADD COLUMN destroying_at timestamptz;
CREATE INDEX apps_destroying ON apps (destroying_at) WHERE destroying_at IS NOT NULL;
