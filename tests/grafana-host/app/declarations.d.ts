// Runtime's setPluginPage is not in its public exports (Grafana sets it from inside); the host bundle aliases
// this name to the file in @grafana/runtime that defines it, so that it is the same module instance.
declare module 'grafana-runtime-plugin-page' {
  import type { PluginPageType } from '@grafana/runtime';
  export function setPluginPage(component: PluginPageType): void;
}

// d3 ships no types of its own; the host only hands the module to plugins.
declare module 'd3';
declare module 'systemjs/dist/system.js';
declare module 'systemjs/dist/extras/amd.js';
