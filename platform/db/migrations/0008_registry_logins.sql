-- Registry logins (issue 14, part R): credentials a team (or one of its apps)
-- gave for a private registry, so that its Dockerfile builds can start FROM
-- images there. Only that team's builds (and, for an app's login, only that
-- app's builds) get them; the API lists host and user name, never the
-- password. The password is kept as the platform keeps its other secrets it
-- must give back to a process (config vars in releases.config, TLS keys in
-- certificates.key_pem): in this database, readable by tspaasd only.
-- An app's login is used instead of its team's login for the same host.
CREATE TABLE registry_logins (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  team_id    uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  app_id     uuid REFERENCES apps (id) ON DELETE CASCADE,
  -- host[:port] as `docker login` takes it (lower case, no scheme or path).
  host       text NOT NULL CHECK (host ~ '^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?(:[0-9]{1,5})?$'),
  username   text NOT NULL CHECK (length(username) BETWEEN 1 AND 255),
  password   text NOT NULL CHECK (length(password) BETWEEN 1 AND 8192),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX registry_logins_team_host ON registry_logins (team_id, host) WHERE app_id IS NULL;
CREATE UNIQUE INDEX registry_logins_app_host ON registry_logins (app_id, host) WHERE app_id IS NOT NULL;
