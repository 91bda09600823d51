import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PluginRoute } from './plugin-proxy.ts';
import { roleIncludes, type SignedInIdentity } from './identity.ts';

/** The parts of a built plugin's `plugin.json` the host reads. */
export interface PluginManifest {
  id: string;
  type: string;
  name: string;
  info: {
    version?: string;
    description?: string;
    author?: { name?: string; url?: string };
    logos?: { small?: string; large?: string };
    keywords?: string[];
    links?: unknown[];
    screenshots?: unknown[];
    updated?: string;
  };
  includes?: Array<{
    type: string;
    name: string;
    path?: string;
    addToNav?: boolean;
    defaultNav?: boolean;
    role?: string;
    action?: string;
    icon?: string;
  }>;
  routes?: PluginRoute[];
  roles?: Array<{
    role: { name: string; description?: string; permissions: Array<{ action: string; scope?: string }> };
    grants: string[];
  }>;
  dependencies?: unknown;
  autoEnabled?: boolean;
  preload?: boolean;
}

export function readPluginManifest(pluginDir: string): PluginManifest {
  return JSON.parse(readFileSync(join(pluginDir, 'plugin.json'), 'utf8')) as PluginManifest;
}

/**
 * RBAC as far as the host models it: the basic roles' built-in actions it needs, plus the plugin's own `roles[]`
 * granted to basic roles (a grant to Viewer reaches Editor and Admin too, as basic roles inherit).
 */
export function hasAction(manifest: PluginManifest, identity: SignedInIdentity, action: string): boolean {
  return permissionsOf(manifest, identity).has(action);
}

export function permissionsOf(manifest: PluginManifest, identity: SignedInIdentity): Set<string> {
  const actions = new Set<string>(['plugins.app:access', 'plugins:read']);
  if (identity.orgRole === 'Admin') {
    actions.add('plugins:write');
    actions.add('teams:read');
    actions.add('teams:write');
    actions.add('teams.permissions:read');
  }
  for (const entry of manifest.roles ?? []) {
    const granted = entry.grants.some((grant) =>
      grant === 'Grafana Admin' ? identity.isGrafanaAdmin : roleIncludes(identity.orgRole, grant)
    );
    if (granted) {
      for (const permission of entry.role.permissions) {
        actions.add(permission.action);
      }
    }
  }
  return actions;
}
