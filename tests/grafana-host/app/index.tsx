// Entry of the stand-in Grafana host's browser bundle (test infrastructure only). index.html sets
// window.grafanaBootData before this runs: @grafana/runtime reads it when it is first imported.
import 'systemjs/dist/system.js';
import 'systemjs/dist/extras/amd.js';
import React from 'react';
import { createRoot } from 'react-dom/client';
import { initPluginTranslations } from '@grafana/i18n';
import { setPluginPage } from 'grafana-runtime-plugin-page';
import { HostApp } from './host-app.tsx';
import { HostPluginPage } from './plugin-page.tsx';
import { installServices } from './services.ts';
import { registerSharedModules } from './shared-modules.ts';

async function boot() {
  registerSharedModules();
  installServices();
  setPluginPage(HostPluginPage);
  // Grafana initialises i18next before any plugin loads; plugins then add their own namespaces to it.
  await initPluginTranslations('grafana', []);
  const container = document.getElementById('reactRoot');
  if (!container) {
    throw new Error('index.html has no #reactRoot');
  }
  createRoot(container).render(<HostApp />);
}

boot().catch((error: unknown) => {
  console.error('stand-in Grafana host failed to start', error);
  document.body.textContent = `Stand-in Grafana host failed to start: ${String(error)}`;
});
