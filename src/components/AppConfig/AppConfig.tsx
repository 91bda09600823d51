import React, { useState, ChangeEvent, FormEvent } from 'react';
import { Alert, Button, Field, FieldSet, Input, SecretInput, Stack, Text, useStyles2 } from '@grafana/ui';
import { PluginConfigPageProps, AppPluginMeta, PluginMeta, GrafanaTheme2 } from '@grafana/data';
import { getBackendSrv, isFetchError, locationService } from '@grafana/runtime';
import { css } from '@emotion/css';
import { lastValueFrom } from 'rxjs';
import { ApiError, toApiError, whoami, type WhoAmI } from '../../api';
import { testIds } from '../testIds';
import type { AppJsonData, AppSecureJsonData } from '../../types';

type State = {
  // Base URL of the sidecar.
  sidecarUrl: string;
  // The new shared secret, if one is being entered.
  sidecarSecret: string;
  // `true` only while the secret stored in Grafana is kept as it is.
  // (`secureJsonData` never comes back to the browser; Grafana only reports which keys are set in `secureJsonFields`.)
  isSecretConfigured: boolean;
};

type PluginSettings = Partial<PluginMeta<AppJsonData>> & { secureJsonData?: AppSecureJsonData };

export interface AppConfigProps extends PluginConfigPageProps<AppPluginMeta<AppJsonData>> {}

/** Returns the URL without trailing slashes, or null when it is not an absolute http(s) URL. */
export function normalizeSidecarUrl(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return null;
    }
  } catch {
    return null;
  }
  return value.replace(/\/+$/, '');
}

const updatePlugin = async (pluginId: string, data: PluginSettings) => {
  const response = getBackendSrv().fetch({
    url: `/api/plugins/${pluginId}/settings`,
    method: 'POST',
    data,
  });

  const dataResponse = await lastValueFrom(response);

  return dataResponse.data;
};

const getErrorMessage = (error: unknown): string => {
  if (isFetchError(error)) {
    return error.data?.message || error.statusText || `Request failed with status ${error.status}`;
  }
  return error instanceof Error ? error.message : 'Unknown error';
};

type ConnectionTest =
  | { status: 'idle' }
  | { status: 'testing' }
  | { status: 'connected'; identity: WhoAmI }
  | { status: 'failed'; error: ApiError };

/** Calls the sidecar through Grafana's proxy with the saved settings and says who it took the caller for. */
function TestConnection({ isSaved }: { isSaved: boolean }) {
  const s = useStyles2(getStyles);
  const [test, setTest] = useState<ConnectionTest>({ status: 'idle' });

  const onTest = async () => {
    setTest({ status: 'testing' });
    try {
      setTest({ status: 'connected', identity: await whoami() });
    } catch (error) {
      setTest({ status: 'failed', error: toApiError(error) });
    }
  };

  return (
    <FieldSet label="Connection test" className={s.fieldSet}>
      <Stack direction="column" gap={2} alignItems="flex-start">
        <Text color="secondary" element="p">
          {isSaved
            ? 'Tests the saved settings: Grafana calls the sidecar through its plugin proxy, as the app does. Save any changes first.'
            : 'Save the sidecar URL and shared secret first: the test uses the saved settings.'}
        </Text>
        <Button
          variant="secondary"
          icon={test.status === 'testing' ? 'spinner' : 'link'}
          onClick={onTest}
          disabled={!isSaved || test.status === 'testing'}
          data-testid={testIds.appConfig.testConnection}
        >
          {test.status === 'testing' ? 'Testing…' : 'Test connection'}
        </Button>
        {test.status === 'connected' && (
          <Alert severity="success" title="Connected" data-testid={testIds.appConfig.testConnectionSuccess}>
            Connected as {test.identity.user.login} (org {test.identity.user.orgId}, {test.identity.user.orgRole})
          </Alert>
        )}
        {test.status === 'failed' && (
          <Alert severity="error" title="Connection failed" data-testid={testIds.appConfig.testConnectionError}>
            {test.error.message}
            {test.error.status > 0 &&
              ` (HTTP ${test.error.status}${test.error.requestId ? `, request id ${test.error.requestId}` : ''})`}
          </Alert>
        )}
      </Stack>
    </FieldSet>
  );
}

const AppConfig = ({ plugin }: AppConfigProps) => {
  const s = useStyles2(getStyles);
  const { enabled, pinned, jsonData, secureJsonFields } = plugin.meta;
  const [state, setState] = useState<State>({
    sidecarUrl: jsonData?.sidecarUrl || '',
    sidecarSecret: '',
    isSecretConfigured: Boolean(secureJsonFields?.sidecarSecret),
  });
  const [isSaving, setIsSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);

  const normalizedUrl = normalizeSidecarUrl(state.sidecarUrl);
  const isUrlInvalid = state.sidecarUrl !== '' && normalizedUrl === null;
  const isSubmitDisabled = isSaving || !normalizedUrl || (!state.isSecretConfigured && !state.sidecarSecret);

  const onResetSecret = () =>
    setState({
      ...state,
      sidecarSecret: '',
      isSecretConfigured: false,
    });

  const onChangeSecret = (event: ChangeEvent<HTMLInputElement>) => {
    setState({
      ...state,
      sidecarSecret: event.target.value.trim(),
    });
  };

  const onChangeUrl = (event: ChangeEvent<HTMLInputElement>) => {
    setState({
      ...state,
      sidecarUrl: event.target.value.trim(),
    });
  };

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (isSubmitDisabled || !normalizedUrl) {
      return;
    }
    setIsSaving(true);
    setSaveError(null);
    try {
      await updatePlugin(plugin.meta.id, {
        enabled,
        pinned,
        jsonData: {
          ...jsonData,
          sidecarUrl: normalizedUrl,
        },
        // Omitted when unchanged, so that the stored secret is kept.
        secureJsonData: state.isSecretConfigured ? undefined : { sidecarSecret: state.sidecarSecret },
      });
      // The rest of the app reads the settings only when it loads, so reload to apply them.
      locationService.reload();
    } catch (error) {
      setSaveError(getErrorMessage(error));
      setIsSaving(false);
    }
  };

  // The test goes through Grafana's proxy, which uses what is stored, not what is typed here.
  const isSaved = Boolean(jsonData?.sidecarUrl) && Boolean(secureJsonFields?.sidecarSecret);

  return (
    <>
      <form onSubmit={onSubmit} data-testid={testIds.appConfig.container}>
        <FieldSet label="Sidecar connection" className={s.fieldSet}>
          <Field
            label="Sidecar URL"
            description="Base URL of the SRE Copilot sidecar as seen from the Grafana server, e.g. http://localhost:8787"
            invalid={isUrlInvalid}
            error={isUrlInvalid ? 'Enter an absolute http:// or https:// URL' : undefined}
          >
            <Input
              width={60}
              id="sidecar-url"
              data-testid={testIds.appConfig.sidecarUrl}
              value={state.sidecarUrl}
              placeholder="http://localhost:8787"
              onChange={onChangeUrl}
            />
          </Field>

          <Field
            label="Shared secret"
            description="Secret that Grafana sends to the sidecar with every proxied request. It must match the sidecar's configuration."
            className={s.marginTop}
          >
            <SecretInput
              width={60}
              id="sidecar-secret"
              data-testid={testIds.appConfig.sidecarSecret}
              value={state.sidecarSecret}
              isConfigured={state.isSecretConfigured}
              placeholder="Shared secret"
              onChange={onChangeSecret}
              onReset={onResetSecret}
            />
          </Field>

          {saveError && (
            <Alert
              severity="error"
              title="Could not save the settings"
              className={s.marginTop}
              data-testid={testIds.appConfig.error}
            >
              {saveError}
            </Alert>
          )}

          <div className={s.marginTop}>
            <Button type="submit" data-testid={testIds.appConfig.submit} disabled={isSubmitDisabled}>
              {isSaving ? 'Saving…' : 'Save settings'}
            </Button>
          </div>
        </FieldSet>
      </form>
      <TestConnection isSaved={isSaved} />
    </>
  );
};

export default AppConfig;

const getStyles = (theme: GrafanaTheme2) => ({
  fieldSet: css({
    marginTop: theme.spacing(6),
  }),
  marginTop: css({
    marginTop: theme.spacing(3),
  }),
});
