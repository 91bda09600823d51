-- Tenancy (organizations = Grafana orgs, projects = Grafana teams), integrations, audit log,
-- and the unprivileged role every request runs as, confined by row-level security.

DO $$
BEGIN
  CREATE ROLE sre_copilot_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
EXCEPTION
  -- roles are cluster-wide: another database of the same cluster may have created it already
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

GRANT sre_copilot_app TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO sre_copilot_app;

-- The tenant context of the current transaction, set by the sidecar with set_config(…, true).
CREATE FUNCTION app_current_org() RETURNS bigint
  LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('app.org_id', true), '')::bigint $$;
CREATE FUNCTION app_current_project() RETURNS uuid
  LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('app.project_id', true), '')::uuid $$;

CREATE TABLE organizations (
  id          bigint PRIMARY KEY CHECK (id > 0),       -- the Grafana org id
  name        text NOT NULL DEFAULT '',
  secret_hash text,                                    -- sha256 of the org's shared secret (hex)
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE projects (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id      bigint NOT NULL REFERENCES organizations (id),
  team_id     bigint NOT NULL CHECK (team_id > 0),     -- the Grafana team id
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  slug        text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  description text NOT NULL DEFAULT '',
  is_active   boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, team_id),
  UNIQUE (org_id, slug)
);

CREATE TABLE project_members (
  org_id     bigint NOT NULL REFERENCES organizations (id),
  project_id uuid NOT NULL REFERENCES projects (id),
  user_id    bigint NOT NULL CHECK (user_id > 0),      -- the Grafana user id
  login      text NOT NULL DEFAULT '',
  role       text NOT NULL CHECK (role IN ('owner', 'admin', 'engineer', 'viewer')),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user ON project_members (org_id, user_id);

CREATE TABLE integrations (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id            bigint NOT NULL REFERENCES organizations (id),
  project_id        uuid REFERENCES projects (id),     -- NULL: an org-level integration (the Grafana service account)
  type              text NOT NULL CHECK (type IN ('prometheus', 'grafana', 'alertmanager', 'openai')),
  name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  config            jsonb NOT NULL DEFAULT '{}',
  secret_ciphertext text,                              -- AES-256-GCM, see pkg/adapters/secret-box.ts
  secret_key_id     text,
  secret_fields     text[] NOT NULL DEFAULT '{}',      -- names of the secrets set, never their values
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE NULLS NOT DISTINCT (org_id, project_id, name)
);
CREATE UNIQUE INDEX integrations_one_grafana_per_org ON integrations (org_id) WHERE type = 'grafana' AND project_id IS NULL;

CREATE TABLE audit_logs (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id        bigint NOT NULL REFERENCES organizations (id),
  project_id    uuid REFERENCES projects (id),          -- NULL: the org-level chain
  seq           bigint NOT NULL CHECK (seq > 0),        -- position in the chain of (org_id, project_id)
  actor_type    text NOT NULL CHECK (actor_type IN ('user', 'service_account', 'system')),
  actor_id      text NOT NULL,
  actor_name    text NOT NULL DEFAULT '',
  action        text NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
  resource_type text NOT NULL,
  resource_id   text NOT NULL,
  details       jsonb NOT NULL DEFAULT '{}',
  ip            text,
  request_id    text,
  created_at    timestamptz NOT NULL,
  prev_hash     text NOT NULL,
  hash          text NOT NULL,
  UNIQUE NULLS NOT DISTINCT (org_id, project_id, seq)
);
CREATE INDEX audit_logs_filter ON audit_logs (org_id, project_id, created_at DESC);
CREATE INDEX audit_logs_resource ON audit_logs (org_id, project_id, resource_type, resource_id);

CREATE FUNCTION audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_logs is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_logs_no_update_delete BEFORE UPDATE OR DELETE ON audit_logs
  FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only();
CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON audit_logs
  FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_append_only();

-- Privileges of the application role.
GRANT SELECT, INSERT, UPDATE ON organizations, projects TO sre_copilot_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON project_members, integrations TO sre_copilot_app;
GRANT SELECT, INSERT ON audit_logs TO sre_copilot_app;
GRANT EXECUTE ON FUNCTION app_current_org(), app_current_project() TO sre_copilot_app;

-- Row-level security: the org always; the project when the context names one.
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_org ON organizations USING (id = app_current_org()) WITH CHECK (id = app_current_org());

ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_org ON projects USING (org_id = app_current_org()) WITH CHECK (org_id = app_current_org());

ALTER TABLE project_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE project_members FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_project ON project_members
  USING (org_id = app_current_org() AND (app_current_project() IS NULL OR project_id = app_current_project()))
  WITH CHECK (org_id = app_current_org() AND project_id = app_current_project());

ALTER TABLE integrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE integrations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_project ON integrations
  USING (org_id = app_current_org()
         AND (project_id IS NULL OR app_current_project() IS NULL OR project_id = app_current_project()))
  WITH CHECK (org_id = app_current_org() AND project_id IS NOT DISTINCT FROM app_current_project());

ALTER TABLE audit_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_logs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_project ON audit_logs
  USING (org_id = app_current_org()
         AND (project_id IS NULL OR app_current_project() IS NULL OR project_id = app_current_project()))
  WITH CHECK (org_id = app_current_org() AND project_id IS NOT DISTINCT FROM app_current_project());
