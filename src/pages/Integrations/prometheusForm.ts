/**
 * The Prometheus integration form as plain data: its state, its validation (the sidecar's rules, checked before
 * the round trip) and the API bodies it turns into. No React here, so all of it is unit-tested.
 */
import type { CreateIntegrationBody, Integration, UpdateIntegrationBody } from '../../api';

export type PrometheusMode = 'grafana' | 'direct';

export const PROMETHEUS_SECRETS = ['password', 'bearerToken'] as const;
export type PrometheusSecret = (typeof PROMETHEUS_SECRETS)[number];

/** A write-only secret: whether the sidecar holds one, whether that one was reset, and a new value typed in. */
export interface SecretState {
  isConfigured: boolean;
  isReset: boolean;
  value: string;
}

export interface PrometheusFormState {
  name: string;
  mode: PrometheusMode;
  datasourceUid: string;
  url: string;
  username: string;
  labelFilter: string;
  secrets: Record<PrometheusSecret, SecretState>;
}

export type PrometheusFormErrors = Partial<
  Record<'name' | 'datasourceUid' | 'url' | 'username' | 'labelFilter' | PrometheusSecret, string>
>;

const DATASOURCE_UID = /^[A-Za-z0-9_-]{1,40}$/;
const MAX_NAME = 200;
const MAX_USERNAME = 200;
const MAX_LABEL_FILTER = 1000;
const MAX_SECRET = 8192;

export function emptyPrometheusForm(): PrometheusFormState {
  return {
    name: '',
    mode: 'grafana',
    datasourceUid: '',
    url: '',
    username: '',
    labelFilter: '',
    secrets: {
      password: { isConfigured: false, isReset: false, value: '' },
      bearerToken: { isConfigured: false, isReset: false, value: '' },
    },
  };
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The form for an existing integration: its public settings, and which secrets are set (never their values). */
export function prometheusFormOf(integration: Integration): PrometheusFormState {
  const { config } = integration;
  return {
    name: integration.name,
    mode: config.mode === 'direct' ? 'direct' : 'grafana',
    datasourceUid: text(config.datasourceUid),
    url: text(config.url),
    username: text(config.username),
    labelFilter: text(config.labelFilter),
    secrets: {
      password: { isConfigured: integration.secretFields.includes('password'), isReset: false, value: '' },
      bearerToken: { isConfigured: integration.secretFields.includes('bearerToken'), isReset: false, value: '' },
    },
  };
}

/** Whether the form shows a held secret as "configured": held and not reset. */
export const isShownConfigured = (secret: SecretState) => secret.isConfigured && !secret.isReset;

/** Whether a secret will be set after saving: a new value, or the held one kept. */
const willHave = (secret: SecretState) => secret.value !== '' || isShownConfigured(secret);

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** What is wrong with the form, field by field; empty when it can be saved. */
export function validatePrometheusForm(form: PrometheusFormState): PrometheusFormErrors {
  const errors: PrometheusFormErrors = {};
  const name = form.name.trim();
  if (name === '') {
    errors.name = 'Give the integration a name';
  } else if (name.length > MAX_NAME) {
    errors.name = `At most ${MAX_NAME} characters`;
  }
  if (form.labelFilter.length > MAX_LABEL_FILTER) {
    errors.labelFilter = `At most ${MAX_LABEL_FILTER} characters`;
  } else if (/[{}]/.test(form.labelFilter)) {
    errors.labelFilter = 'Label matchers without braces, e.g. namespace="payments"';
  }
  if (form.mode === 'grafana') {
    if (form.datasourceUid === '') {
      errors.datasourceUid = 'Pick a Prometheus data source';
    } else if (!DATASOURCE_UID.test(form.datasourceUid)) {
      errors.datasourceUid = 'Not a Grafana data source UID (letters, digits, _ and -)';
    }
    return errors;
  }
  const url = form.url.trim();
  if (url === '') {
    errors.url = 'Give the URL of the Prometheus server';
  } else if (!isHttpUrl(url)) {
    errors.url = 'An http:// or https:// URL, e.g. http://prometheus:9090';
  }
  if (form.username.length > MAX_USERNAME) {
    errors.username = `At most ${MAX_USERNAME} characters`;
  }
  const { password, bearerToken } = form.secrets;
  for (const key of PROMETHEUS_SECRETS) {
    if (form.secrets[key].value.length > MAX_SECRET) {
      errors[key] = `At most ${MAX_SECRET} characters`;
    }
  }
  if (willHave(password) && willHave(bearerToken)) {
    errors.bearerToken = 'Use either a password (basic auth) or a bearer token, not both: reset one of them';
  } else if (willHave(password) && form.username.trim() === '') {
    errors.username = 'Basic auth needs the username that goes with the password';
  }
  return errors;
}

export const hasErrors = (errors: PrometheusFormErrors) => Object.keys(errors).length > 0;

/** The public settings of the form's mode; fields of the other mode are not sent. */
function configOf(form: PrometheusFormState): Record<string, unknown> {
  const labelFilter = form.labelFilter.trim();
  const config: Record<string, unknown> =
    form.mode === 'grafana'
      ? { mode: 'grafana', datasourceUid: form.datasourceUid }
      : { mode: 'direct', url: form.url.trim(), ...(form.username.trim() && { username: form.username.trim() }) };
  if (labelFilter) {
    config.labelFilter = labelFilter;
  }
  return config;
}

export function toCreateBody(form: PrometheusFormState): CreateIntegrationBody {
  const secrets: Record<string, string> = {};
  if (form.mode === 'direct') {
    for (const key of PROMETHEUS_SECRETS) {
      if (form.secrets[key].value !== '') {
        secrets[key] = form.secrets[key].value;
      }
    }
  }
  return { type: 'prometheus', scope: 'project', name: form.name.trim(), config: configOf(form), secrets };
}

/**
 * The PATCH for an edited integration: name and config as a whole; secrets only where something changes (a new
 * value, or null for one that was reset). In grafana mode the sidecar uses Grafana's credentials, so any held
 * secret is removed rather than left behind.
 */
export function toUpdateBody(form: PrometheusFormState): UpdateIntegrationBody {
  const secrets: Record<string, string | null> = {};
  for (const key of PROMETHEUS_SECRETS) {
    const secret = form.secrets[key];
    if (form.mode === 'direct' && secret.value !== '') {
      secrets[key] = secret.value;
    } else if (secret.isConfigured && (secret.isReset || form.mode === 'grafana')) {
      secrets[key] = null;
    }
  }
  return {
    name: form.name.trim(),
    config: configOf(form),
    ...(Object.keys(secrets).length > 0 && { secrets }),
  };
}

/** Resets a held secret: saving removes it, unless a new value is typed, which replaces it. */
export function resetSecret(form: PrometheusFormState, key: PrometheusSecret): PrometheusFormState {
  return { ...form, secrets: { ...form.secrets, [key]: { ...form.secrets[key], isReset: true, value: '' } } };
}

export function setSecretValue(form: PrometheusFormState, key: PrometheusSecret, value: string): PrometheusFormState {
  return { ...form, secrets: { ...form.secrets, [key]: { ...form.secrets[key], value } } };
}
