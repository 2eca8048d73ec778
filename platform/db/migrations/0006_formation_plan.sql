-- Plans (issue 13, part 4): a formation row names the plan its processes run
-- at (memory, CPU weight and quota, pids; platform/plans.ts). memory_bytes
-- stays: the plan's, or less when the size was asked for as memory. Rows
-- written before plans existed keep plan NULL: the smallest plan their
-- memory fits applies to them.
ALTER TABLE formation ADD COLUMN plan text CHECK (plan ~ '^[a-z][a-z0-9-]{0,29}$');
