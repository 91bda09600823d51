-- Maintenance commands (rotate-keys) run as the schema owner and must reach every org's integrations.
-- FORCE ROW LEVEL SECURITY confines the owner too, so give the owner — and only the owner — a policy of its own.
-- Request-driven work never runs as the owner: it runs as sre_copilot_app, which these policies do not name.
CREATE POLICY owner_maintenance ON integrations TO CURRENT_USER USING (true) WITH CHECK (true);
