import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { SceneComponentProps, SceneObjectBase, SceneObjectState } from '@grafana/scenes';
import { Alert, Stack, Text, TextLink, useStyles2 } from '@grafana/ui';
import { PLUGIN_CONFIG_URL } from '../../constants';
import { testIds } from '../../components/testIds';
import { usePluginMeta } from '../../utils/utils.plugin';

export class HomeOverview extends SceneObjectBase<SceneObjectState> {
  static Component = HomeOverviewRenderer;
}

function HomeOverviewRenderer(_props: SceneComponentProps<HomeOverview>) {
  const s = useStyles2(getStyles);
  const meta = usePluginMeta();
  const isConfigured = Boolean(meta?.jsonData?.sidecarUrl);

  return (
    <div className={s.container} data-testid={testIds.home.container}>
      <Stack direction="column" gap={2}>
        <Text element="p">
          This version contains the app shell and its connection to the SRE Copilot sidecar service. The incident pages
          come in later versions.
        </Text>
        {!isConfigured && (
          <Alert severity="info" title="Sidecar not configured" data-testid={testIds.home.notConfigured}>
            An administrator sets the sidecar URL and shared secret on the{' '}
            <TextLink href={PLUGIN_CONFIG_URL} inline>
              plugin configuration page
            </TextLink>
            .
          </Alert>
        )}
      </Stack>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  container: css({
    maxWidth: theme.breakpoints.values.lg,
    paddingTop: theme.spacing(1),
  }),
});
