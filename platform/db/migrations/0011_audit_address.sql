-- The audit log, complete (issue 17, part 4): who made a change stays known
-- after the user, the team or the app is deleted (their email, team name and
-- app name are kept beside the links, which go NULL), and from which address
-- the change came (the API client's, the git pusher's: platform/client-address.ts).
-- Rows older than tspaasd's --audit-retention (days) are deleted periodically
-- (control/audit.ts, pruneAudit), hence the index on created_at.
ALTER TABLE audit_log
  ADD COLUMN user_email text,
  ADD COLUMN team_name  text,
  ADD COLUMN address    inet;

UPDATE audit_log l SET user_email = u.email FROM users u WHERE u.id = l.user_id;
UPDATE audit_log l SET team_name = t.name FROM teams t WHERE t.id = l.team_id;

CREATE INDEX audit_log_team ON audit_log (team_id, created_at DESC);
CREATE INDEX audit_log_created ON audit_log (created_at);
