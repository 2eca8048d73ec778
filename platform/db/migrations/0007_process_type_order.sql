-- Process types in Procfile order (issue 14, part P): a worker-only app's
-- first deploy runs its FIRST process type, so the order the Procfile gives
-- must survive the database. jsonb sorts an object's keys (by length, then
-- bytes); json keeps the text as written, key order included. Rows written
-- before this keep jsonb's order.
ALTER TABLE builds ALTER COLUMN process_types DROP DEFAULT;
ALTER TABLE builds ALTER COLUMN process_types TYPE json USING process_types::json;
ALTER TABLE builds ALTER COLUMN process_types SET DEFAULT '{}';
ALTER TABLE releases ALTER COLUMN process_types DROP DEFAULT;
ALTER TABLE releases ALTER COLUMN process_types TYPE json USING process_types::json;
ALTER TABLE releases ALTER COLUMN process_types SET DEFAULT '{}';
