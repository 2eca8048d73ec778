-- Issue 13 part 2: every team's containers (apps, one-offs, builds) run in a
-- user namespace of their own: container root is host uid `userns_host_id`,
-- and the team's 65536 ids follow it. Ranges start at 2^30, above the
-- engine's `--userns=auto` pool (100000 up to 2^29 + 100000), come from a
-- sequence so two teams never share one, and are never reused: files a
-- deleted team left behind cannot fall to a new team. 49152 ranges fit
-- below 2^32 - 1 (the kernel's invalid uid).
CREATE SEQUENCE team_userns_seq AS bigint MINVALUE 0 START 0;
ALTER TABLE teams ADD COLUMN userns_host_id bigint
  DEFAULT (1073741824 + nextval('team_userns_seq') * 65536)
  CHECK (userns_host_id >= 1073741824 AND userns_host_id + 65536 <= 4294967295);
UPDATE teams SET userns_host_id = DEFAULT WHERE userns_host_id IS NULL;
ALTER TABLE teams ALTER COLUMN userns_host_id SET NOT NULL;
ALTER TABLE teams ADD CONSTRAINT teams_userns_host_id_key UNIQUE (userns_host_id);
