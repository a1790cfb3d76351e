-- Records store schema, version 1. Every resource is stored whole as its serialized protobuf
-- message (`body`) with the few columns the lists order and restrict by. Times are microseconds
-- since the Unix epoch; enums are their numbers.

CREATE TABLE teams (
  name TEXT PRIMARY KEY,
  organization TEXT NOT NULL,
  parent TEXT NOT NULL,
  display_name TEXT NOT NULL,
  etag TEXT NOT NULL,
  body BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX teams_by_display_name ON teams (organization, display_name, name);

CREATE TABLE cases (
  name TEXT PRIMARY KEY,
  organization TEXT NOT NULL,
  parent TEXT NOT NULL REFERENCES teams (name),
  reference TEXT NOT NULL,
  caseworker TEXT NOT NULL,
  status INTEGER NOT NULL,
  risk_level INTEGER NOT NULL,
  create_time INTEGER NOT NULL,
  stage_enter_time INTEGER NOT NULL,
  etag TEXT NOT NULL,
  body BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX cases_by_create_time ON cases (parent, create_time, name);
CREATE INDEX cases_of_caseworker ON cases (parent, caseworker, create_time, name);
CREATE INDEX cases_by_status ON cases (parent, status, create_time, name);
-- A reference is unique among the open cases (status 1 = OPEN) of an organisation.
CREATE UNIQUE INDEX open_case_references ON cases (organization, reference) WHERE status = 1;

CREATE TABLE goals (
  name TEXT PRIMARY KEY,
  organization TEXT NOT NULL,
  parent TEXT NOT NULL REFERENCES cases (name),
  create_time INTEGER NOT NULL,
  etag TEXT NOT NULL,
  body BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX goals_by_create_time ON goals (parent, create_time, name);

CREATE TABLE benefit_indicators (
  name TEXT PRIMARY KEY,
  organization TEXT NOT NULL,
  parent TEXT NOT NULL REFERENCES cases (name),
  create_time INTEGER NOT NULL,
  etag TEXT NOT NULL,
  body BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX benefit_indicators_by_create_time ON benefit_indicators (parent, create_time, name);

CREATE TABLE meetings (
  name TEXT PRIMARY KEY,
  organization TEXT NOT NULL,
  parent TEXT NOT NULL REFERENCES teams (name),
  scheduled_time INTEGER NOT NULL,
  etag TEXT NOT NULL,
  body BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX meetings_by_scheduled_time ON meetings (parent, scheduled_time, name);

CREATE TABLE action_items (
  name TEXT PRIMARY KEY,
  organization TEXT NOT NULL,
  parent TEXT NOT NULL REFERENCES teams (name),
  owner TEXT NOT NULL,
  state INTEGER NOT NULL,
  due_time INTEGER NOT NULL,
  create_time INTEGER NOT NULL,
  etag TEXT NOT NULL,
  body BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX action_items_by_due_time ON action_items (parent, due_time, name);
CREATE INDEX action_items_by_state ON action_items (parent, state, due_time, name);

CREATE TABLE session_records (
  name TEXT PRIMARY KEY,
  organization TEXT NOT NULL,
  parent TEXT NOT NULL REFERENCES teams (name),
  protocol_id TEXT NOT NULL,
  end_time INTEGER NOT NULL,
  etag TEXT NOT NULL,
  body BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX session_records_by_end_time ON session_records (parent, end_time, name);
CREATE INDEX session_records_by_protocol ON session_records (parent, protocol_id, end_time, name);

-- The audit log: append-only, enforced by triggers as well as by the API.
CREATE TABLE audit_entries (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  organization TEXT NOT NULL,
  body BLOB NOT NULL
);
CREATE INDEX audit_entries_by_organization ON audit_entries (organization, sequence);
CREATE TRIGGER audit_entries_are_immutable BEFORE UPDATE ON audit_entries
BEGIN
  SELECT RAISE(ABORT, 'audit entries cannot be changed');
END;
CREATE TRIGGER audit_entries_are_permanent BEFORE DELETE ON audit_entries
BEGIN
  SELECT RAISE(ABORT, 'audit entries cannot be deleted');
END;

-- AIP-155 request ids, recorded in the same transaction as the data they produced.
CREATE TABLE idempotency_keys (
  organization TEXT NOT NULL,
  caller TEXT NOT NULL,
  request_id TEXT NOT NULL,
  fingerprint BLOB NOT NULL,
  response BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  PRIMARY KEY (organization, caller, request_id)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (create_time);
