-- The route table: the contract between the platform (writer) and the edge
-- router (reader). Documented in docs/router.md and router/types.ts.

CREATE TABLE router_routes (
  app                text PRIMARY KEY CHECK (app ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  maintenance        boolean NOT NULL DEFAULT false,
  redirect_https     boolean NOT NULL DEFAULT false,
  max_body_bytes     bigint CHECK (max_body_bytes >= 0),
  connect_timeout_ms integer CHECK (connect_timeout_ms > 0),
  request_timeout_ms integer CHECK (request_timeout_ms > 0),
  idle_timeout_ms    integer CHECK (idle_timeout_ms > 0),
  balance            text CHECK (balance IN ('round-robin', 'least-connections')),
  updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE router_certificates (
  name       text PRIMARY KEY,
  cert_pem   text NOT NULL CHECK (cert_pem LIKE '%-----BEGIN CERTIFICATE-----%'),
  key_pem    text NOT NULL CHECK (key_pem LIKE '%PRIVATE KEY-----%'),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE router_hosts (
  host        text PRIMARY KEY
              CHECK (host ~ '^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  app         text NOT NULL REFERENCES router_routes (app) ON DELETE CASCADE,
  certificate text REFERENCES router_certificates (name) ON DELETE SET NULL
);
CREATE INDEX router_hosts_app ON router_hosts (app);

CREATE TABLE router_backends (
  app     text NOT NULL REFERENCES router_routes (app) ON DELETE CASCADE,
  address inet NOT NULL CHECK (masklen(address) = CASE family(address) WHEN 4 THEN 32 ELSE 128 END),
  port    integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
  weight  integer NOT NULL DEFAULT 1 CHECK (weight BETWEEN 1 AND 100),
  PRIMARY KEY (app, address, port)
);

-- One notification per statement; PostgreSQL folds identical payloads of one
-- transaction into one and delivers them at commit.
CREATE FUNCTION router_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('tspaas_router', json_build_object('table', TG_TABLE_NAME, 'op', TG_OP)::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER router_routes_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON router_routes
  FOR EACH STATEMENT EXECUTE FUNCTION router_notify();
CREATE TRIGGER router_hosts_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON router_hosts
  FOR EACH STATEMENT EXECUTE FUNCTION router_notify();
CREATE TRIGGER router_backends_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON router_backends
  FOR EACH STATEMENT EXECUTE FUNCTION router_notify();
CREATE TRIGGER router_certificates_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON router_certificates
  FOR EACH STATEMENT EXECUTE FUNCTION router_notify();
