-- Which route table every running router serves: the other half of the
-- route-table contract (router/types.ts, docs/router.md). Each router's
-- primary keeps one row: the snapshot of the last table load that all its
-- workers have applied, and a heartbeat. A writer that must know its change
-- is live before it acts on it (a deploy stops old backends only once no
-- router sends them new requests) waits until every router seen lately serves
-- a snapshot in which its transaction is visible:
--   pg_visible_in_snapshot(<writer's xid>, applied_snapshot)

CREATE TABLE router_instances (
  id               text PRIMARY KEY,
  applied_snapshot pg_snapshot,
  applied_at       timestamptz,
  seen_at          timestamptz NOT NULL DEFAULT now()
);
