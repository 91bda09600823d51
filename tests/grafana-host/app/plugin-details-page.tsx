import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import { renderMarkdown, type GrafanaTheme2, type KeyValue, type NavModelItem } from '@grafana/data';
import { config, getBackendSrv, locationSearchToObject } from '@grafana/runtime';
import { Badge, ErrorBoundaryAlert, LoadingPlaceholder, Stack, Text, useStyles2 } from '@grafana/ui';
import { useLocation, useParams } from 'react-router';
import { useChrome } from './chrome.tsx';
import { PluginLoadState, useAppPlugin } from './use-app-plugin.tsx';
import { HostPage } from './plugin-page.tsx';

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
  const state = useAppPlugin(pluginId, 'plugin');
  const canWrite = Boolean(config.bootData.user.permissions?.['plugins:write']);
  const { setPageNav } = useChrome();
  const pluginName = state.status === 'ready' ? state.plugin.meta.name : undefined;

  useEffect(() => {
    setPageNav(pluginName ? { text: pluginName, url: `/plugins/${pluginId}` } : undefined);
    return () => setPageNav(undefined);
  }, [pluginName, pluginId, setPageNav]);

  if (state.status !== 'ready') {
    return <PluginLoadState state={state} errorTitle="Plugin not found" />;
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
