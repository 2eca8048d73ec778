-- The platform's state (platform/types.ts documents each table's meaning).
-- IDs are UUIDs made by PostgreSQL; names users type (team, app) are DNS labels.

CREATE TABLE teams (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name       text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9]([a-z0-9-]{0,28}[a-z0-9])?$'),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email      text NOT NULL UNIQUE CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
  is_admin   boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- A user belongs to one or more teams; a team's apps are visible to its members only.
CREATE TABLE memberships (
  team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

-- API tokens: only the SHA-256 of the secret is kept; `prefix` (its first 8
-- characters) names it in listings.
CREATE TABLE tokens (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  hash         bytea NOT NULL UNIQUE,
  prefix       text NOT NULL,
  description  text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE apps (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9-]{0,28}[a-z0-9]$'),
  team_id             uuid NOT NULL REFERENCES teams (id),
  -- The release whose processes run and receive traffic (null until the first deploy succeeds).
  current_release_id  uuid,
  created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX apps_team ON apps (team_id);

CREATE TABLE builds (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id         uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  user_id        uuid REFERENCES users (id) ON DELETE SET NULL,
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'succeeded', 'failed')),
  -- git commit (or any source identifier) that was built.
  source         text NOT NULL,
  -- 'dockerfile' or 'buildpacks', decided when the build starts.
  builder        text CHECK (builder IN ('dockerfile', 'buildpacks')),
  image          text,
  process_types  jsonb NOT NULL DEFAULT '{}',
  -- app.json of the source (healthchecks, scripts), when it has one.
  app_json       jsonb,
  error          text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz
);
CREATE INDEX builds_app ON builds (app_id, created_at DESC);

-- Releases are numbered per app (v1, v2, …) and never change once made,
-- except for their deploy status.
CREATE TABLE releases (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id         uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  version        integer NOT NULL CHECK (version > 0),
  build_id       uuid REFERENCES builds (id) ON DELETE SET NULL,
  -- Image to run; null for a config-only release of an app never built.
  image          text,
  config         jsonb NOT NULL DEFAULT '{}',
  process_types  jsonb NOT NULL DEFAULT '{}',
  app_json       jsonb,
  description    text NOT NULL,
  user_id        uuid REFERENCES users (id) ON DELETE SET NULL,
  status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'deploying', 'succeeded', 'failed')),
  error          text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  finished_at    timestamptz,
  UNIQUE (app_id, version)
);
ALTER TABLE apps ADD CONSTRAINT apps_current_release
  FOREIGN KEY (current_release_id) REFERENCES releases (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED;

-- Desired formation: how many processes of each type, and their size.
CREATE TABLE formation (
  app_id       uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  type         text NOT NULL CHECK (type ~ '^[a-z][a-z0-9_-]{0,29}$'),
  quantity     integer NOT NULL CHECK (quantity BETWEEN 0 AND 100),
  memory_bytes bigint NOT NULL CHECK (memory_bytes >= 4194304),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (app_id, type)
);

-- Observed processes: one row per container the platform started for an app.
CREATE TABLE processes (
  container_id text PRIMARY KEY,
  app_id       uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  release_id   uuid NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
  type         text NOT NULL,
  index        integer NOT NULL CHECK (index > 0),
  state        text NOT NULL CHECK (state IN ('starting', 'up', 'crashed', 'stopping')),
  address      inet,
  port         integer,
  restarts     integer NOT NULL DEFAULT 0,
  started_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX processes_app ON processes (app_id, type, index);

CREATE TABLE certificates (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id     uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  name       text NOT NULL UNIQUE,
  cert_pem   text NOT NULL,
  key_pem    text NOT NULL,
  -- Names the certificate is valid for (subject alt names) and its expiry.
  hostnames  text[] NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE domains (
  hostname       text PRIMARY KEY CHECK (hostname ~ '^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  app_id         uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  certificate_id uuid REFERENCES certificates (id) ON DELETE SET NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domains_app ON domains (app_id);

-- Who did what: one row per state-changing API call or push.
CREATE TABLE audit_log (
  id         bigserial PRIMARY KEY,
  team_id    uuid REFERENCES teams (id) ON DELETE SET NULL,
  app_id     uuid REFERENCES apps (id) ON DELETE SET NULL,
  -- The app's name, kept after the app is destroyed.
  app_name   text,
  user_id    uuid REFERENCES users (id) ON DELETE SET NULL,
  action     text NOT NULL,
  details    jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_app ON audit_log (app_id, created_at DESC);
