import { namespaceOf, roleIncludes, type SignedInIdentity } from './identity.ts';
import { permissionsOf, type PluginManifest } from './plugin-manifest.ts';

export const GRAFANA_VERSION = '12.4.10';

export interface PageContext {
  /** Root URL without the trailing slash. */
  url: string;
  identity: SignedInIdentity;
  userOrgCount: number;
  manifest: PluginManifest;
  pluginEnabled: boolean;
  theme: 'dark' | 'light';
  /** Name of the host bundle's entry file under /public/build/. */
  bundleFile: string | null;
  /** The org's data sources as `settings.datasources` has them (keyed by name). */
  datasources: Record<string, { name: string; isDefault: boolean }>;
}

interface NavItem {
  id: string;
  text: string;
  url: string;
  icon?: string;
  img?: string;
  subTitle?: string;
  sortWeight?: number;
  pluginId?: string;
  children?: NavItem[];
}

/** The nav tree Grafana puts in the boot data, reduced to what the host shows: Home, Apps (this app), Administration. */
export function navTree(ctx: PageContext): NavItem[] {
  const { manifest, identity } = ctx;
  const pages = (manifest.includes ?? []).filter(
    (inc) =>
      inc.type === 'page' &&
      inc.addToNav &&
      inc.path &&
      (!inc.role || roleIncludes(identity.orgRole, inc.role)) &&
      (!inc.action || permissionsOf(manifest, identity).has(inc.action))
  );
  const defaultPage = (manifest.includes ?? []).find((inc) => inc.defaultNav && inc.path);
  const appRoot = `/a/${manifest.id}`;
  const apps: NavItem[] = ctx.pluginEnabled
    ? [
        {
          id: `plugin-page-${manifest.id}`,
          text: manifest.name,
          url: defaultPage?.path ?? appRoot,
          img: `public/plugins/${manifest.id}/${manifest.info.logos?.small ?? 'img/logo.svg'}`,
          subTitle: manifest.info.description,
          pluginId: manifest.id,
          children: pages.map((inc) => ({
            id: `standalone-plugin-page-${inc.path}`,
            text: inc.name,
            url: inc.path!,
            icon: inc.icon,
            pluginId: manifest.id,
          })),
        },
      ]
    : [];
  const tree: NavItem[] = [
    { id: 'home', text: 'Home', url: '/', icon: 'home-alt', sortWeight: -2000 },
    { id: 'apps', text: 'Apps', url: '/apps', icon: 'layer-group', sortWeight: -800, children: apps },
  ];
  if (identity.orgRole === 'Admin') {
    tree.push({
      id: 'cfg',
      text: 'Administration',
      url: '/admin',
      icon: 'cog',
      sortWeight: -100,
      children: [{ id: 'plugins', text: 'Plugins', url: '/plugins', icon: 'plug' }],
    });
  }
  return tree;
}

export function bootData(ctx: PageContext): unknown {
  const { identity, manifest } = ctx;
  const permissions = Object.fromEntries([...permissionsOf(manifest, identity)].map((a) => [a, true]));
  return {
    settings: {
      appUrl: `${ctx.url}/`,
      appSubUrl: '',
      appTitle: 'Grafana',
      namespace: namespaceOf(identity.orgId),
      buildInfo: {
        version: GRAFANA_VERSION,
        versionString: `Grafana v${GRAFANA_VERSION} (stand-in)`,
        commit: 'stand-in',
        env: 'production',
        edition: 'Open Source',
        latestVersion: GRAFANA_VERSION,
        hasUpdate: false,
        hideVersion: false,
      },
      theme: ctx.theme,
      datasources: ctx.datasources,
      panels: {},
      apps: ctx.pluginEnabled
        ? {
            [manifest.id]: {
              id: manifest.id,
              path: `public/plugins/${manifest.id}/module.js`,
              version: manifest.info.version ?? '',
              preload: Boolean(manifest.preload),
              angular: { detected: false, hideDeprecation: false },
              loadingStrategy: 'script',
              extensions: { addedLinks: [], addedComponents: [], exposedComponents: [], extensionPoints: [] },
              dependencies: manifest.dependencies ?? {},
            },
          }
        : {},
      defaultDatasource: Object.values(ctx.datasources).find((ds) => ds.isDefault)?.name ?? '',
      minRefreshInterval: '5s',
      featureToggles: {},
      liveEnabled: false,
      helpEnabled: false,
      profileEnabled: true,
      newsFeedEnabled: false,
      feedbackLinksEnabled: false,
      exploreEnabled: false,
      unifiedAlertingEnabled: false,
      rbacEnabled: true,
      dateFormats: {
        fullDate: 'YYYY-MM-DD HH:mm:ss',
        interval: {
          millisecond: 'HH:mm:ss.SSS',
          second: 'HH:mm:ss',
          minute: 'HH:mm',
          hour: 'MM/DD HH:mm',
          day: 'MM/DD',
          month: 'YYYY-MM',
          year: 'YYYY',
        },
        useBrowserLocale: false,
        defaultTimezone: 'browser',
        defaultWeekStart: 'browser',
      },
    },
    user: {
      id: identity.id,
      uid: identity.uid,
      login: identity.login,
      email: identity.email,
      name: identity.name,
      isSignedIn: true,
      isGrafanaAdmin: identity.isGrafanaAdmin,
      orgId: identity.orgId,
      orgName: identity.orgName,
      orgRole: identity.orgRole,
      orgCount: ctx.userOrgCount,
      theme: ctx.theme,
      lightTheme: ctx.theme === 'light',
      timezone: 'browser',
      weekStart: 'browser',
      locale: 'en-US',
      language: 'en-US',
      regionalFormat: 'en-US',
      helpFlags1: 0,
      hasEditPermissionInFolders: identity.orgRole !== 'Viewer',
      permissions,
      analytics: { identifier: identity.uid },
      gravatarUrl: '',
      teams: identity.teams,
    },
    navTree: navTree(ctx),
    assets: { dark: '', light: '' },
  };
}

/** `<` in inline JSON would let a value close the script element. */
function inlineJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

export function indexHtml(ctx: PageContext): string {
  const body = ctx.bundleFile
    ? `<div id="reactRoot"></div>\n    <script src="/public/build/${ctx.bundleFile}"></script>`
    : `<p style="font-family:sans-serif;padding:24px">The stand-in Grafana host's browser bundle is not built.</p>`;
  return `<!DOCTYPE html>
<html lang="en-US">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width" />
    <base href="/" />
    <title>Grafana (stand-in host for tests)</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/public/build/uplot.min.css" />
    <style>
      html,
      body,
      #reactRoot {
        margin: 0;
        height: 100%;
      }
    </style>
    <script>
      window.grafanaBootData = ${inlineJson(bootData(ctx))};
      window.__grafana_public_path__ = '/public/';
    </script>
  </head>
  <body class="theme-${ctx.theme} app-grafana">
    ${body}
  </body>
</html>
`;
}
