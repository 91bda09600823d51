import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import { renderMarkdown, type AppPlugin, type GrafanaTheme2, type KeyValue, type NavModelItem } from '@grafana/data';
import { config, getBackendSrv, locationSearchToObject } from '@grafana/runtime';
import { Alert, Badge, ErrorBoundaryAlert, LoadingPlaceholder, Stack, Text, useStyles2 } from '@grafana/ui';
import { useLocation, useParams } from 'react-router';
import { useChrome } from './chrome.tsx';
import { getPluginSettings, importAppPlugin } from './load-plugin.ts';
import { HostPage } from './plugin-page.tsx';

type State =
  { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; plugin: AppPlugin<KeyValue> };

const OVERVIEW = 'overview';

function Overview({ pluginId }: { pluginId: string }) {
  const s = useStyles2(getStyles);
  const [html, setHtml] = useState<string | null>(null);
  useEffect(() => {
    getBackendSrv()
      .get<string>(`/api/plugins/${pluginId}/markdown/README`, undefined, undefined, { responseType: 'text' })
      .then((markdown) => setHtml(renderMarkdown(markdown)))
      .catch(() => setHtml(''));
  }, [pluginId]);
  if (html === null) {
    return <LoadingPlaceholder text="Loading..." />;
  }
  return <div className={`markdown-html ${s.readme}`} dangerouslySetInnerHTML={{ __html: html }} />;
}

/**
 * Grafana's plugin details page at /plugins/<id>: header, an Overview tab (the README) and the app's config
 * pages as tabs (`?page=<id>`). Users who may write plugin settings land on the first config page, as in Grafana.
 */
export function PluginDetailsPage() {
  const { pluginId = '' } = useParams();
  const location = useLocation();
  const [state, setState] = useState<State>({ status: 'loading' });
  const canWrite = Boolean(config.bootData.user.permissions?.['plugins:write']);
  const { setPageNav } = useChrome();
  const pluginName = state.status === 'ready' ? state.plugin.meta.name : undefined;

  useEffect(() => {
    setPageNav(pluginName ? { text: pluginName, url: `/plugins/${pluginId}` } : undefined);
    return () => setPageNav(undefined);
  }, [pluginName, pluginId, setPageNav]);

  useEffect(() => {
    let cancelled = false;
    setState({ status: 'loading' });
    getPluginSettings(pluginId)
      .then(async (meta) => ({ status: 'ready', plugin: await importAppPlugin(meta) }) as const)
      .catch((error: unknown) => {
        console.error(`stand-in host: loading plugin ${pluginId} failed`, error);
        const message =
          (error as { data?: { message?: string } })?.data?.message ?? (error as Error)?.message ?? String(error);
        return { status: 'error', message } as const;
      })
      .then((next) => {
        if (!cancelled) {
          setState(next);
        }
      });
    return () => {
      cancelled = true;
    };
  }, [pluginId]);

  if (state.status === 'loading') {
    return (
      <HostPage title="">
        <LoadingPlaceholder text="Loading plugin..." />
      </HostPage>
    );
  }
  if (state.status === 'error') {
    return (
      <HostPage title="Plugin not found">
        <Alert severity="error" title={state.message} />
      </HostPage>
    );
  }

  const { plugin } = state;
  const { meta } = plugin;
  const configPages = canWrite ? (plugin.configPages ?? []) : [];
  const query = locationSearchToObject(location.search) as KeyValue;
  const requested = typeof query.page === 'string' ? query.page : undefined;
  const current =
    requested && (requested === OVERVIEW || configPages.some((p) => p.id === requested))
      ? requested
      : (configPages[0]?.id ?? OVERVIEW);
  const tabs: NavModelItem[] = [
    { text: 'Overview', icon: 'file-alt', url: `/plugins/${pluginId}?page=${OVERVIEW}`, active: current === OVERVIEW },
    ...configPages.map((page) => ({
      text: page.title,
      icon: page.icon,
      url: `/plugins/${pluginId}?page=${page.id}`,
      active: current === page.id,
    })),
  ];
  const page = configPages.find((p) => p.id === current);
  const logo = meta.info.logos?.large || meta.info.logos?.small;

  return (
    <HostPage
      title={meta.name}
      img={logo}
      subTitle={
        <Stack direction="row" gap={2} alignItems="center" wrap="wrap">
          <Text color="secondary">Version {meta.info.version}</Text>
          <Text color="secondary">From {meta.info.author?.name}</Text>
          <Badge text="Unsigned" color="orange" icon="exclamation-triangle" />
          <Badge text={meta.enabled ? 'Enabled' : 'Disabled'} color={meta.enabled ? 'green' : 'darkgrey'} />
        </Stack>
      }
      tabs={tabs}
    >
      {page ? (
        <ErrorBoundaryAlert style="page">
          <page.body plugin={plugin} query={query} />
        </ErrorBoundaryAlert>
      ) : (
        <Overview pluginId={pluginId} />
      )}
    </HostPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  readme: css({
    maxWidth: theme.breakpoints.values.lg,
  }),
});
