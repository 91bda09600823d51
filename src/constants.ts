import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;

export const PLUGIN_BASE_URL = `/a/${PLUGIN_ID}`;

/** Where Grafana shows this app's configuration page. */
export const PLUGIN_CONFIG_URL = `/plugins/${PLUGIN_ID}`;

/** The app's pages, relative to PLUGIN_BASE_URL; each one is also a page entry in plugin.json `includes`. */
export enum ROUTES {
  Incidents = 'incidents',
  Home = 'home',
  Audit = 'audit',
  Integrations = 'integrations',
  Project = 'project',
}
