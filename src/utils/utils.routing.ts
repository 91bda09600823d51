import { PLUGIN_BASE_URL, ROUTES } from '../constants';

// Prefixes the route with the base URL of the plugin
export function prefixRoute(route: string): string {
  return `${PLUGIN_BASE_URL}/${route}`;
}

/** The page of one incident, a drilldown below the incident list. */
export function incidentUrl(incidentId: string): string {
  return prefixRoute(`${ROUTES.Incidents}/${encodeURIComponent(incidentId)}`);
}
