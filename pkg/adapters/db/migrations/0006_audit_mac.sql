-- The hash chain of audit_logs shows an edited row only to someone who trusts the database: its owner can disable the
-- append-only trigger, edit a row and re-hash the rest of the chain. Each row now also carries a MAC (HMAC-SHA256 over
-- its hash) computed with a key that lives outside the database (AUDIT_KEYS), and the key's id. Rows written before
-- this migration have neither: verification reports them as unkeyed, not as broken.
ALTER TABLE audit_logs
  ADD COLUMN mac_key_id text,
  ADD COLUMN mac text,
  ADD CONSTRAINT audit_logs_mac_pair CHECK ((mac_key_id IS NULL) = (mac IS NULL));

-- Signed checkpoints (chain position and head hash) are written to the log to leave the database; they are kept here
-- too for export through the API. A truncated tail is detected against an exported copy, not against these rows.
CREATE TABLE audit_checkpoints (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id      bigint NOT NULL REFERENCES organizations (id),
  project_id  uuid REFERENCES projects (id),          -- NULL: the org-level chain
  seq         bigint NOT NULL CHECK (seq > 0),
  hash        text NOT NULL,
  created_at  timestamptz NOT NULL,
  mac_key_id  text NOT NULL,
  mac         text NOT NULL,
  UNIQUE NULLS NOT DISTINCT (org_id, project_id, seq)
);

GRANT SELECT, INSERT ON audit_checkpoints TO sre_copilot_app;

ALTER TABLE audit_checkpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_checkpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_project ON audit_checkpoints
  USING (org_id = app_current_org()
         AND (project_id IS NULL OR app_current_project() IS NULL OR project_id = app_current_project()))
  WITH CHECK (org_id = app_current_org() AND project_id IS NOT DISTINCT FROM app_current_project());
