import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;

export const PLUGIN_BASE_URL = `/a/${PLUGIN_ID}`;

/** Where Grafana shows this app's configuration page. */
export const PLUGIN_CONFIG_URL = `/plugins/${PLUGIN_ID}`;

export enum ROUTES {
  Home = 'home',
}
