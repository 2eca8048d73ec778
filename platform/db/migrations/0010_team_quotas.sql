-- Quotas per team (issue 17, part 1): what a team may use at most, each
-- limit optional (NULL = unlimited). A team without a row has no limits;
-- a new team gets a row with the operator's defaults (tspaasd --team-quota).
-- Checked by platform/control/quotas.ts while the team's row is locked, so two
-- requests never both pass a limit between them.
CREATE TABLE team_quotas (
  team_id        uuid PRIMARY KEY REFERENCES teams (id) ON DELETE CASCADE,
  apps           integer CHECK (apps >= 0),
  -- Processes of the formations plus one-offs while they run.
  processes      integer CHECK (processes >= 0),
  -- Sum of quantity × memory of the formations plus one-offs.
  memory_bytes   bigint CHECK (memory_bytes >= 0),
  -- Sum of quantity × the plan's CPU quota (cores) of the formations plus one-offs.
  cpus           numeric(10, 2) CHECK (cpus >= 0),
  -- Plans the team's processes and one-offs may run at.
  plans          text[],
  -- Minutes its builds may take per UTC day (created_at to finished_at, or now).
  build_minutes  integer CHECK (build_minutes >= 0),
  -- Builds pending or running at once.
  builds         integer CHECK (builds >= 0),
  -- Images and build caches of its apps; new builds are refused while the team is over it.
  disk_bytes     bigint CHECK (disk_bytes >= 0),
  -- Custom domains of its apps.
  domains        integer CHECK (domains >= 0),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- One-off containers (`tspaas run`) while they run: counted against the processes,
-- memory and CPU quotas. A row is written before the one-off starts and removed
-- when it ends; tspaasd forgets the rows of a previous start (quotas.ts).
CREATE TABLE one_off_runs (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id        uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  plan          text NOT NULL,
  memory_bytes  bigint NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX one_off_runs_app ON one_off_runs (app_id);
