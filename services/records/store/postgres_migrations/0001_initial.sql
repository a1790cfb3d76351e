-- Records store schema on PostgreSQL, version 1: the same tables as the SQLite store's
-- migrations/0001_initial.sql. Every resource is stored whole as its serialized protobuf message
-- (`body`) with the few columns the lists order and restrict by. Times are microseconds since the
-- Unix epoch; enums are their numbers. Text that lists order by uses the "C" collation, so the
-- order is byte order, as in SQLite, whatever the database's locale.

CREATE TABLE teams (
  name TEXT COLLATE "C" PRIMARY KEY,
  organization TEXT COLLATE "C" NOT NULL,
  parent TEXT COLLATE "C" NOT NULL,
  display_name TEXT COLLATE "C" NOT NULL,
  etag TEXT NOT NULL,
  body BYTEA NOT NULL
);
CREATE INDEX teams_by_display_name ON teams (organization, display_name, name);

CREATE TABLE cases (
  name TEXT COLLATE "C" PRIMARY KEY,
  organization TEXT COLLATE "C" NOT NULL,
  parent TEXT COLLATE "C" NOT NULL REFERENCES teams (name),
  reference TEXT COLLATE "C" NOT NULL,
  caseworker TEXT COLLATE "C" NOT NULL,
  status BIGINT NOT NULL,
  risk_level BIGINT NOT NULL,
  create_time BIGINT NOT NULL,
  stage_enter_time BIGINT NOT NULL,
  etag TEXT NOT NULL,
  body BYTEA NOT NULL
);
CREATE INDEX cases_by_create_time ON cases (parent, create_time, name);
CREATE INDEX cases_of_caseworker ON cases (parent, caseworker, create_time, name);
CREATE INDEX cases_by_status ON cases (parent, status, create_time, name);
-- A reference is unique among the open cases (status 1 = OPEN) of an organisation.
CREATE UNIQUE INDEX open_case_references ON cases (organization, reference) WHERE status = 1;

CREATE TABLE goals (
  name TEXT COLLATE "C" PRIMARY KEY,
  organization TEXT COLLATE "C" NOT NULL,
  parent TEXT COLLATE "C" NOT NULL REFERENCES cases (name),
  create_time BIGINT NOT NULL,
  etag TEXT NOT NULL,
  body BYTEA NOT NULL
);
CREATE INDEX goals_by_create_time ON goals (parent, create_time, name);

CREATE TABLE benefit_indicators (
  name TEXT COLLATE "C" PRIMARY KEY,
  organization TEXT COLLATE "C" NOT NULL,
  parent TEXT COLLATE "C" NOT NULL REFERENCES cases (name),
  create_time BIGINT NOT NULL,
  etag TEXT NOT NULL,
  body BYTEA NOT NULL
);
CREATE INDEX benefit_indicators_by_create_time ON benefit_indicators (parent, create_time, name);

CREATE TABLE meetings (
  name TEXT COLLATE "C" PRIMARY KEY,
  organization TEXT COLLATE "C" NOT NULL,
  parent TEXT COLLATE "C" NOT NULL REFERENCES teams (name),
  scheduled_time BIGINT NOT NULL,
  etag TEXT NOT NULL,
  body BYTEA NOT NULL
);
CREATE INDEX meetings_by_scheduled_time ON meetings (parent, scheduled_time, name);

CREATE TABLE action_items (
  name TEXT COLLATE "C" PRIMARY KEY,
  organization TEXT COLLATE "C" NOT NULL,
  parent TEXT COLLATE "C" NOT NULL REFERENCES teams (name),
  owner TEXT COLLATE "C" NOT NULL,
  state BIGINT NOT NULL,
  due_time BIGINT NOT NULL,
  create_time BIGINT NOT NULL,
  etag TEXT NOT NULL,
  body BYTEA NOT NULL
);
CREATE INDEX action_items_by_due_time ON action_items (parent, due_time, name);
CREATE INDEX action_items_by_state ON action_items (parent, state, due_time, name);

CREATE TABLE session_records (
  name TEXT COLLATE "C" PRIMARY KEY,
  organization TEXT COLLATE "C" NOT NULL,
  parent TEXT COLLATE "C" NOT NULL REFERENCES teams (name),
  protocol_id TEXT COLLATE "C" NOT NULL,
  end_time BIGINT NOT NULL,
  etag TEXT NOT NULL,
  body BYTEA NOT NULL
);
CREATE INDEX session_records_by_end_time ON session_records (parent, end_time, name);
CREATE INDEX session_records_by_protocol ON session_records (parent, protocol_id, end_time, name);

-- The audit log: append-only, enforced by triggers as well as by the API.
CREATE TABLE audit_entries (
  sequence BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization TEXT COLLATE "C" NOT NULL,
  body BYTEA NOT NULL
);
CREATE INDEX audit_entries_by_organization ON audit_entries (organization, sequence);
CREATE FUNCTION audit_entries_are_permanent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit entries cannot be changed or deleted';
END;
$$;
CREATE TRIGGER audit_entries_are_immutable BEFORE UPDATE OR DELETE ON audit_entries
  FOR EACH ROW EXECUTE FUNCTION audit_entries_are_permanent();
CREATE TRIGGER audit_entries_are_not_truncated BEFORE TRUNCATE ON audit_entries
  FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_are_permanent();

-- AIP-155 request ids, recorded in the same transaction as the data they produced.
CREATE TABLE idempotency_keys (
  organization TEXT COLLATE "C" NOT NULL,
  caller TEXT COLLATE "C" NOT NULL,
  request_id TEXT COLLATE "C" NOT NULL,
  fingerprint BYTEA NOT NULL,
  response BYTEA NOT NULL,
  create_time BIGINT NOT NULL,
  PRIMARY KEY (organization, caller, request_id)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (create_time);
