import React, { FormEvent, useState } from 'react';
import { DataSourcePicker } from '@grafana/runtime';
import { Alert, Button, Drawer, Field, RadioButtonGroup, SecretInput, Stack, Text } from '@grafana/ui';
import { createIntegration, updateIntegration, type Integration } from '../../api';
import { TextInputField } from '../../components/FormFields/FormFields';
import { testIds } from '../../components/testIds';
import { useSubmit } from '../../utils/useSubmit';
import {
  emptyPrometheusForm,
  hasErrors,
  isShownConfigured,
  PROMETHEUS_SECRETS,
  prometheusFormOf,
  resetSecret,
  setSecretValue,
  toCreateBody,
  toUpdateBody,
  validatePrometheusForm,
  type PrometheusFormState,
  type PrometheusMode,
  type PrometheusSecret,
} from './prometheusForm';

const MODE_OPTIONS: Array<{ label: string; value: PrometheusMode; description: string }> = [
  {
    label: 'Grafana data source',
    value: 'grafana',
    description: "Through Grafana's datasource proxy, with the org's service account",
  },
  { label: 'Direct', value: 'direct', description: 'The sidecar calls the Prometheus URL itself' },
];

interface PrometheusIntegrationFormProps {
  projectId: string;
  /** The integration to edit; a new one when null. */
  integration: Integration | null;
  onSaved: (integration: Integration) => void;
  onClose: () => void;
}

/** Add or edit a Prometheus integration, in a drawer. Secrets are write-only: "configured" and a Reset button. */
export function PrometheusIntegrationForm({
  projectId,
  integration,
  onSaved,
  onClose,
}: PrometheusIntegrationFormProps) {
  const [form, setForm] = useState<PrometheusFormState>(() =>
    integration ? prometheusFormOf(integration) : emptyPrometheusForm()
  );
  const [isSubmitted, setIsSubmitted] = useState(false);
  const { submit, submitting, error } = useSubmit(
    () =>
      integration
        ? updateIntegration(projectId, integration.id, toUpdateBody(form))
        : createIntegration(projectId, toCreateBody(form)),
    { onSuccess: onSaved }
  );

  const errors = validatePrometheusForm(form);
  // Messages appear once the admin tried to save; the Save button is never disabled for them to find out why.
  const shown = isSubmitted ? errors : {};
  const update = (changes: Partial<PrometheusFormState>) => setForm((current) => ({ ...current, ...changes }));

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setIsSubmitted(true);
    if (!hasErrors(errors)) {
      submit();
    }
  };

  const secretField = (key: PrometheusSecret, label: string, description: string, testId: string) => (
    <Field label={label} description={description} invalid={Boolean(shown[key])} error={shown[key]}>
      <div data-testid={testId}>
        <SecretInput
          id={`prometheus-${key}`}
          width={50}
          autoComplete="new-password"
          isConfigured={isShownConfigured(form.secrets[key])}
          value={form.secrets[key].value}
          onChange={(e) => setForm((current) => setSecretValue(current, key, e.currentTarget.value))}
          onReset={() => setForm((current) => resetSecret(current, key))}
        />
      </div>
    </Field>
  );

  return (
    <Drawer
      title={integration ? `Edit ${integration.name}` : 'Add a Prometheus integration'}
      subtitle="Where the sidecar polls the project's PromQL templates"
      size="md"
      onClose={onClose}
    >
      <form onSubmit={onSubmit} data-testid={testIds.integrations.form} noValidate>
        <TextInputField
          label="Name"
          invalid={Boolean(shown.name)}
          error={shown.name}
          id="prometheus-name"
          width={50}
          maxLength={200}
          placeholder="e.g. prod-prometheus"
          value={form.name}
          onChange={(name) => update({ name })}
          data-testid={testIds.integrations.nameInput}
        />
        <Field label="Connection" description={MODE_OPTIONS.find((o) => o.value === form.mode)?.description}>
          <div data-testid={testIds.integrations.modeRadio}>
            <RadioButtonGroup
              options={MODE_OPTIONS.map(({ label, value }) => ({ label, value }))}
              value={form.mode}
              onChange={(mode) => update({ mode })}
            />
          </div>
        </Field>

        {form.mode === 'grafana' ? (
          <Field
            label="Data source"
            description="A Prometheus data source of this Grafana organization"
            invalid={Boolean(shown.datasourceUid)}
            error={shown.datasourceUid}
          >
            <div data-testid={testIds.integrations.datasourcePicker}>
              <DataSourcePicker
                inputId="prometheus-datasource"
                type="prometheus"
                noDefault
                width={50}
                current={form.datasourceUid || null}
                placeholder="Pick a Prometheus data source"
                onChange={(ds) => update({ datasourceUid: ds.uid })}
              />
            </div>
          </Field>
        ) : (
          <>
            <TextInputField
              label="URL"
              description="The Prometheus server as the sidecar reaches it"
              invalid={Boolean(shown.url)}
              error={shown.url}
              id="prometheus-url"
              width={50}
              placeholder="http://prometheus:9090"
              value={form.url}
              onChange={(url) => update({ url })}
              data-testid={testIds.integrations.urlInput}
            />
            <TextInputField
              label="Username"
              description="For basic auth, with the password below"
              invalid={Boolean(shown.username)}
              error={shown.username}
              id="prometheus-username"
              width={50}
              maxLength={200}
              autoComplete="off"
              value={form.username}
              onChange={(username) => update({ username })}
              data-testid={testIds.integrations.usernameInput}
            />
            {secretField(
              'password',
              'Password',
              'Basic auth; stored encrypted by the sidecar and never shown again',
              testIds.integrations.passwordInput
            )}
            {secretField(
              'bearerToken',
              'Bearer token',
              'Instead of basic auth; stored encrypted and never shown again',
              testIds.integrations.bearerTokenInput
            )}
          </>
        )}

        <TextInputField
          label="Label filter"
          description='Label matchers put where a template says {{filter}}, e.g. namespace="payments"'
          invalid={Boolean(shown.labelFilter)}
          error={shown.labelFilter}
          id="prometheus-label-filter"
          width={50}
          maxLength={1000}
          placeholder='namespace="payments"'
          value={form.labelFilter}
          onChange={(labelFilter) => update({ labelFilter })}
          data-testid={testIds.integrations.labelFilterInput}
        />

        {form.mode === 'grafana' && integration && PROMETHEUS_SECRETS.some((k) => form.secrets[k].isConfigured) && (
          <Text color="secondary" variant="bodySmall" element="p">
            Saving in Grafana mode removes the password or bearer token kept for direct mode.
          </Text>
        )}

        {error && (
          <Alert
            severity="error"
            title={integration ? 'Could not save the integration' : 'Could not add the integration'}
            data-testid={testIds.integrations.formError}
          >
            {error.message}
          </Alert>
        )}

        <Stack gap={1}>
          <Button
            type="submit"
            icon={submitting ? 'spinner' : undefined}
            disabled={submitting}
            data-testid={testIds.integrations.saveButton}
          >
            {integration ? 'Save' : 'Add integration'}
          </Button>
          <Button variant="secondary" fill="outline" onClick={onClose} data-testid={testIds.integrations.cancelButton}>
            Cancel
          </Button>
        </Stack>
      </form>
    </Drawer>
  );
}
