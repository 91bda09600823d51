// The modules Grafana shares with plugins instead of letting them bundle their own
// (public/app/features/plugins/loader/sharedDependencies.ts): registered in SystemJS as `package:<name>` with an
// import map `<name> → package:<name>`, so the plugin's AMD `define([...])` gets the host's instances.
import * as emotionCss from '@emotion/css';
import * as emotionReact from '@emotion/react';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUi from '@grafana/ui';
import i18next from 'i18next';
import lodash from 'lodash';
// eslint-disable-next-line no-restricted-imports -- plugins get Grafana's moment from the host, as in Grafana.
import moment from 'moment';
import React from 'react';
import ReactDOM from 'react-dom';
import * as ReactDOMClient from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import * as jsxDevRuntime from 'react/jsx-dev-runtime';
import * as reactInlineSvg from 'react-inlinesvg';
import * as reactRedux from 'react-redux';
import * as reactRouter from 'react-router';
import * as reactRouterDom from 'react-router-dom';
import * as redux from 'redux';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';

type ModuleValue = object;

/** CommonJS modules: the AMD loader hands `default` to the plugin when `__useDefault` is set. */
function commonJs(value: unknown): ModuleValue {
  return { default: value, __useDefault: true };
}

const eager: Record<string, ModuleValue> = {
  '@emotion/css': emotionCss,
  emotion: emotionCss,
  '@emotion/react': emotionReact,
  '@grafana/data': grafanaData,
  '@grafana/runtime': grafanaRuntime,
  '@grafana/ui': grafanaUi,
  i18next: commonJs(i18next),
  lodash: commonJs(lodash),
  moment: commonJs(moment),
  react: commonJs(React),
  'react-dom': commonJs(ReactDOM),
  'react-dom/client': commonJs(ReactDOMClient),
  'react/jsx-runtime': commonJs(jsxRuntime),
  'react/jsx-dev-runtime': commonJs(jsxDevRuntime),
  'react-inlinesvg': reactInlineSvg,
  'react-redux': reactRedux,
  // The plugin bundles react-router-dom v6 but takes react-router from the host: one router instance for both.
  'react-router': reactRouter,
  'react-router-dom': reactRouterDom,
  redux,
  rxjs,
  'rxjs/operators': rxjsOperators,
};

// Large and rarely used: loaded on first import only.
const lazy: Record<string, () => Promise<ModuleValue>> = {
  d3: () => import('d3'),
};

const PREFIX = 'package:';

export function registerSharedModules(): void {
  const imports: Record<string, string> = {};
  for (const [name, value] of Object.entries(eager)) {
    System.set(`${PREFIX}${name}`, value as System.Module);
    imports[name] = `${PREFIX}${name}`;
  }
  for (const name of Object.keys(lazy)) {
    imports[name] = `${PREFIX}${name}`;
  }
  System.addImportMap({ imports });

  const prototype = Object.getPrototypeOf(System) as {
    instantiate: (url: string, parentUrl?: string, meta?: unknown) => unknown;
  };
  const instantiate = prototype.instantiate;
  prototype.instantiate = function (url: string, parentUrl?: string, meta?: unknown) {
    const load = url.startsWith(PREFIX) ? lazy[url.slice(PREFIX.length)] : undefined;
    if (!load) {
      return instantiate.call(this, url, parentUrl, meta);
    }
    return load().then((module) => [
      [],
      (exportAll: (values: object) => void) => ({ execute: () => exportAll(module) }),
    ]);
  };
}

/** Imports the plugin's module.js as Grafana does: SystemJS, AMD, then the exports behind its top-level await. */
export async function importPluginModule(path: string): Promise<Record<string, unknown>> {
  // Settings name the module relative to the app root (public/plugins/<id>/module.js).
  const url = /^(https?:)?\//.test(path) ? path : `/${path}`;
  const module = (await System.import(url)) as { default?: unknown };
  // webpack's AMD output with top-level await exports a promise of the exports.
  const exports = await Promise.resolve(module.default ?? module);
  return exports as Record<string, unknown>;
}
