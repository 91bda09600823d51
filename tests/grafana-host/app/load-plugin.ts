import { AppPlugin, PluginType, type AppPluginMeta, type KeyValue } from '@grafana/data';
import { getBackendSrv } from '@grafana/runtime';
import { importPluginModule } from './shared-modules.ts';

export function getPluginSettings(pluginId: string): Promise<AppPluginMeta<KeyValue>> {
  return getBackendSrv().get<AppPluginMeta<KeyValue>>(`/api/plugins/${pluginId}/settings`);
}

/** Grafana's getAppPluginPageError. */
export function appPluginPageError(meta: AppPluginMeta<KeyValue> | undefined): string | null {
  if (!meta) {
    return 'Unknown Plugin';
  }
  if (meta.type !== PluginType.app) {
    return 'Plugin must be an app';
  }
  if (!meta.enabled) {
    return 'Application Not Enabled';
  }
  return null;
}

/** Grafana's importAppPlugin: import module.js, take its `plugin` export, init it with the settings as meta. */
export async function importAppPlugin(meta: AppPluginMeta<KeyValue>): Promise<AppPlugin<KeyValue>> {
  const exports = await importPluginModule(meta.module);
  const plugin = (exports.plugin as AppPlugin<KeyValue> | undefined) ?? new AppPlugin<KeyValue>();
  plugin.init(meta);
  plugin.meta = meta;
  plugin.setComponentsFromLegacyExports(exports);
  return plugin;
}
