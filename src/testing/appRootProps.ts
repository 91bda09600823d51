import { PluginType, type AppRootProps } from '@grafana/data';
import { PLUGIN_BASE_URL } from '../constants';
import type { AppJsonData } from '../types';

/** The plugin's meta as Grafana serves it, with `jsonData` as the app's settings. */
export function appPluginMeta(jsonData: AppJsonData) {
  return {
    id: 'sre-copilot-app',
    name: 'SRE Copilot',
    type: PluginType.app,
    module: 'public/plugins/sre-copilot-app/module.js',
    baseUrl: 'public/plugins/sre-copilot-app',
    info: {
      author: { name: 'SRE Copilot' },
      description: '',
      links: [],
      logos: { large: '', small: '' },
      screenshots: [],
      updated: '',
      version: '',
    },
    jsonData,
  };
}

/** The root props Grafana passes to the app, with `jsonData` as the app's settings. */
export function appRootProps(jsonData: AppJsonData, path: string): AppRootProps<AppJsonData> {
  // Built untyped and checked where it is used, so that the deprecated required props do not trip no-deprecated.
  const props = {
    basename: PLUGIN_BASE_URL,
    onNavChanged: () => {},
    query: {},
    path,
    meta: appPluginMeta(jsonData),
  };
  return props;
}
