-- The last delivery a token carried, so a project admin can see that a sender reaches the sidecar (Grafana's
-- "Test" button on a contact point included, which opens no incident): when, on which route, and whether it was
-- the contact point test. Ordinary deliveries are written at most once a minute per token and replica.
ALTER TABLE ingest_tokens
  ADD COLUMN last_delivery_at    timestamptz,
  ADD COLUMN last_delivery_route text
    CHECK (last_delivery_route IN ('alertmanager', 'grafana', 'signals', 'deployments')),
  ADD COLUMN last_delivery_test  boolean NOT NULL DEFAULT false;
