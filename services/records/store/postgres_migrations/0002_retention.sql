-- Records store schema on PostgreSQL, version 2: retention, as the SQLite store's
-- migrations/0002_retention.sql. The organisations' retention policies, and the columns a purge
-- finds its work by: when a case was closed (0 while open), when a session record was stored, and
-- the case an action item was raised from ('' for none). Rows stored before this migration hold
-- NULL in the new columns until the store fills them from their bodies when it opens
-- (BackfillLateColumns); the partial indexes keep that search instant once it is done.

CREATE TABLE retention_policies (
  name TEXT COLLATE "C" PRIMARY KEY,
  organization TEXT COLLATE "C" NOT NULL,
  parent TEXT COLLATE "C" NOT NULL,
  etag TEXT NOT NULL,
  body BYTEA NOT NULL
);

ALTER TABLE cases ADD COLUMN close_time BIGINT;
CREATE INDEX cases_by_close_time ON cases (organization, status, close_time, name);
CREATE INDEX cases_without_close_time ON cases (name) WHERE close_time IS NULL;

ALTER TABLE session_records ADD COLUMN create_time BIGINT;
CREATE INDEX session_records_by_create_time ON session_records (organization, create_time, name);
CREATE INDEX session_records_without_create_time ON session_records (name)
  WHERE create_time IS NULL;

ALTER TABLE action_items ADD COLUMN source_case TEXT COLLATE "C";
CREATE INDEX action_items_by_source_case ON action_items (organization, source_case, name);
CREATE INDEX action_items_without_source_case ON action_items (name) WHERE source_case IS NULL;
