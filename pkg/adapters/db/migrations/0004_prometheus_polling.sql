-- Prometheus polling: per-project PromQL templates, one baseline per polled series, the record of every query run
-- per tick (the guarantee that a query runs once per tick across replicas), and the poller's view of each
-- integration's health.

-- A project's own templates; a project without a row uses the defaults of PROMETHEUS_DEFAULT_QUERIES.
CREATE TABLE query_templates (
  org_id      bigint NOT NULL REFERENCES organizations (id),
  project_id  uuid PRIMARY KEY REFERENCES projects (id),
  templates   jsonb NOT NULL,
  updated_by  text NOT NULL,
  updated_at  timestamptz NOT NULL
);

-- One row per (project, template, label set): the detector's state (its baseline), what the series last showed,
-- and the metric signal it has open, if any.
CREATE TABLE metric_series (
  org_id            bigint NOT NULL,
  project_id        uuid NOT NULL,
  series_key        uuid NOT NULL,                 -- sha256(integration, template, labels), first 128 bits
  integration_id    uuid NOT NULL,
  template          text NOT NULL,
  service           text,
  labels            jsonb NOT NULL,
  state             jsonb NOT NULL,                -- detector state (plain JSON, versioned)
  last_sample_at    timestamptz NOT NULL,
  last_value        double precision,
  last_score        double precision NOT NULL DEFAULT 0,
  open_since        timestamptz,                   -- starts_at of the firing metric signal, null when none
  calm_points       integer NOT NULL DEFAULT 0,    -- consecutive calm points while a signal is open
  updated_at        timestamptz NOT NULL,
  PRIMARY KEY (project_id, series_key)
);

-- One row per query that ran: (integration, template, tick) is unique, so a second replica that picks up the same
-- tick finds the row and does not query again.
CREATE TABLE poll_runs (
  org_id          bigint NOT NULL,
  project_id      uuid NOT NULL,
  integration_id  uuid NOT NULL,
  template        text NOT NULL,
  tick            timestamptz NOT NULL,
  ran_at          timestamptz NOT NULL,
  series          integer,
  error           text,
  PRIMARY KEY (integration_id, template, tick)
);
CREATE INDEX poll_runs_project ON poll_runs (project_id, tick DESC);

-- The poller's latest view of each Prometheus integration (shared by replicas, read by /health).
CREATE TABLE poller_health (
  integration_id   uuid PRIMARY KEY,
  org_id           bigint NOT NULL,
  project_id       uuid NOT NULL,
  failures         integer NOT NULL DEFAULT 0,
  last_success_at  timestamptz,
  last_error       text,                           -- the message (tenant-only)
  last_error_kind  text,                           -- timeout, network, http, …: what /health shows
  updated_at       timestamptz NOT NULL
);

GRANT SELECT, INSERT, UPDATE, DELETE ON query_templates, metric_series TO sre_copilot_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON poll_runs TO sre_copilot_app;
GRANT SELECT, INSERT, UPDATE ON poller_health TO sre_copilot_app;

ALTER TABLE query_templates ENABLE ROW LEVEL SECURITY;
ALTER TABLE query_templates FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_project ON query_templates
  USING (org_id = app_current_org() AND project_id = app_current_project())
  WITH CHECK (org_id = app_current_org() AND project_id = app_current_project());

ALTER TABLE metric_series ENABLE ROW LEVEL SECURITY;
ALTER TABLE metric_series FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_project ON metric_series
  USING (org_id = app_current_org() AND project_id = app_current_project())
  WITH CHECK (org_id = app_current_org() AND project_id = app_current_project());

ALTER TABLE poll_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE poll_runs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_project ON poll_runs
  USING (org_id = app_current_org() AND project_id = app_current_project())
  WITH CHECK (org_id = app_current_org() AND project_id = app_current_project());
CREATE POLICY owner_maintenance ON poll_runs TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE poller_health ENABLE ROW LEVEL SECURITY;
ALTER TABLE poller_health FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_project ON poller_health
  USING (org_id = app_current_org() AND project_id = app_current_project())
  WITH CHECK (org_id = app_current_org() AND project_id = app_current_project());
-- /health lists failing integrations of every org (ids and counts only), as the owner.
CREATE POLICY owner_maintenance ON poller_health TO CURRENT_USER USING (true) WITH CHECK (true);

-- Which projects have Prometheus integrations: what the scheduler enqueues a poll for at each tick. Ids only.
CREATE FUNCTION projects_to_poll()
  RETURNS TABLE (org_id bigint, project_id uuid)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT DISTINCT i.org_id, i.project_id FROM integrations i
     WHERE i.type = 'prometheus' AND i.project_id IS NOT NULL
$$;
REVOKE ALL ON FUNCTION projects_to_poll() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION projects_to_poll() TO sre_copilot_app;
