-- Ingestion (ingest tokens, signals) and incidents with their timeline.

-- Ingest tokens authenticate webhook senders (Alertmanager, Grafana contact points, scripts). Only a sha256 of
-- the token is stored; optional HMAC settings (Grafana) travel with the token.
CREATE TABLE ingest_tokens (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id             bigint NOT NULL REFERENCES organizations (id),
  project_id         uuid NOT NULL REFERENCES projects (id),
  name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  token_hash         text NOT NULL UNIQUE,
  token_prefix       text NOT NULL,
  hmac_ciphertext    text,
  hmac_key_id        text,
  hmac_header        text NOT NULL DEFAULT 'X-Grafana-Alerting-Signature',
  timestamp_header   text,
  tolerance_seconds  integer NOT NULL DEFAULT 300 CHECK (tolerance_seconds BETWEEN 1 AND 86400),
  created_by         text NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  revoked_at         timestamptz
);
CREATE INDEX ingest_tokens_project ON ingest_tokens (org_id, project_id);

CREATE TABLE incidents (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id           bigint NOT NULL REFERENCES organizations (id),
  project_id       uuid NOT NULL REFERENCES projects (id),
  title            text NOT NULL,
  description      text NOT NULL DEFAULT '',
  status           text NOT NULL CHECK (status IN ('triggered', 'acknowledged', 'investigating', 'mitigated', 'resolved')),
  severity         text NOT NULL CHECK (severity IN ('critical', 'high', 'warning', 'info')),
  service          text,
  group_key        text,
  origin           text NOT NULL CHECK (origin IN ('correlation', 'manual')),
  warnings         text[] NOT NULL DEFAULT '{}',
  signal_count     integer NOT NULL DEFAULT 0,
  firing_count     integer NOT NULL DEFAULT 0,
  reopen_count     integer NOT NULL DEFAULT 0,
  created_by       text NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  last_signal_at   timestamptz NOT NULL,
  acknowledged_at  timestamptz,
  acknowledged_by  text,
  resolved_at      timestamptz,
  resolved_by      text
);
CREATE INDEX incidents_list ON incidents (org_id, project_id, created_at DESC, id DESC);
CREATE INDEX incidents_open_by_service ON incidents (project_id, service, last_signal_at DESC);
CREATE INDEX incidents_open_by_group ON incidents (project_id, group_key, last_signal_at DESC);

-- The busiest table: no foreign keys here. Each would cost a locking look-up of the parent row per inserted signal;
-- the org and project come from a resolved ingest token and the incident from correlation in the same transaction,
-- and none of the parents is ever deleted.
CREATE TABLE signals (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id            bigint NOT NULL,
  project_id        uuid NOT NULL,
  hash              uuid NOT NULL,                     -- dedup key: sha256(fingerprint, starts_at), first 128 bits
  signal_type       text NOT NULL CHECK (signal_type IN ('alert', 'metric', 'log', 'trace', 'deployment')),
  source            text NOT NULL,
  fingerprint       text NOT NULL,
  status            text NOT NULL CHECK (status IN ('firing', 'resolved')),
  severity          text NOT NULL CHECK (severity IN ('critical', 'high', 'warning', 'info')),
  title             text NOT NULL,
  description       text NOT NULL DEFAULT '',
  service           text,
  group_key         text,
  labels            jsonb NOT NULL DEFAULT '{}',
  normalized_data   jsonb NOT NULL DEFAULT '{}',
  raw_data          jsonb NOT NULL DEFAULT '{}',
  generator_url     text,
  "values"          jsonb,
  warnings          text[] NOT NULL DEFAULT '{}',
  starts_at         timestamptz NOT NULL,
  ends_at           timestamptz,
  received_at       timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  incident_id       uuid,                                 -- set by correlation, in the transaction that stores the signal
  UNIQUE (project_id, hash)
);
CREATE INDEX signals_incident ON signals (incident_id, id);

-- The incident timeline: created, signal attached/resolved, status changes, comments, edits.
CREATE TABLE incident_events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id       bigint NOT NULL REFERENCES organizations (id),
  project_id   uuid NOT NULL REFERENCES projects (id),
  incident_id  uuid NOT NULL REFERENCES incidents (id),
  kind         text NOT NULL,
  actor_type   text NOT NULL CHECK (actor_type IN ('user', 'service_account', 'system')),
  actor_id     text NOT NULL,
  actor_name   text NOT NULL DEFAULT '',
  details      jsonb NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL
);
CREATE INDEX incident_events_timeline ON incident_events (incident_id, id);

GRANT SELECT, INSERT, UPDATE ON ingest_tokens, incidents, signals TO sre_copilot_app;
GRANT SELECT, INSERT ON incident_events TO sre_copilot_app;

ALTER TABLE ingest_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE ingest_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_project ON ingest_tokens
  USING (org_id = app_current_org() AND (app_current_project() IS NULL OR project_id = app_current_project()))
  WITH CHECK (org_id = app_current_org() AND project_id = app_current_project());
CREATE POLICY owner_maintenance ON ingest_tokens TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE incidents ENABLE ROW LEVEL SECURITY;
ALTER TABLE incidents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_project ON incidents
  USING (org_id = app_current_org() AND project_id = app_current_project())
  WITH CHECK (org_id = app_current_org() AND project_id = app_current_project());

ALTER TABLE signals ENABLE ROW LEVEL SECURITY;
ALTER TABLE signals FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_project ON signals
  USING (org_id = app_current_org() AND project_id = app_current_project())
  WITH CHECK (org_id = app_current_org() AND project_id = app_current_project());

ALTER TABLE incident_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE incident_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_project ON incident_events
  USING (org_id = app_current_org() AND project_id = app_current_project())
  WITH CHECK (org_id = app_current_org() AND project_id = app_current_project());

-- Cross-tenant look-ups the app role needs before it knows the tenant, each narrow, each SECURITY DEFINER
-- (runs as the owner, whose maintenance policy lets it see the rows).

-- Which project an ingest token belongs to (by its sha256); nothing for a revoked or unknown token.
CREATE FUNCTION resolve_ingest_token(p_hash text)
  RETURNS TABLE (token_id uuid, org_id bigint, project_id uuid, hmac_ciphertext text, hmac_key_id text,
                 hmac_header text, timestamp_header text, tolerance_seconds integer)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
    SELECT t.id, t.org_id, t.project_id, t.hmac_ciphertext, t.hmac_key_id, t.hmac_header, t.timestamp_header,
           t.tolerance_seconds
      FROM ingest_tokens t WHERE t.token_hash = p_hash AND t.revoked_at IS NULL
$$;

REVOKE ALL ON FUNCTION resolve_ingest_token(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION resolve_ingest_token(text) TO sre_copilot_app;
