import type { Integration } from '../../api';
import {
  emptyPrometheusForm,
  prometheusFormOf,
  resetSecret,
  setSecretValue,
  toCreateBody,
  toUpdateBody,
  validatePrometheusForm,
  type PrometheusFormState,
} from './prometheusForm';

const form = (changes: Partial<PrometheusFormState>): PrometheusFormState => ({ ...emptyPrometheusForm(), ...changes });

const direct: Integration = {
  id: '0f7c9a52-6a8e-4c55-9d0e-3f1c2b7a9e11',
  scope: 'project',
  type: 'prometheus',
  name: 'prod',
  config: { mode: 'direct', url: 'https://prom.example:9090', username: 'poller', labelFilter: 'env="prod"' },
  secretFields: ['password'],
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: '2025-01-01T00:00:00Z',
};

describe('validatePrometheusForm', () => {
  it('needs a name and, in grafana mode, a data source', () => {
    expect(validatePrometheusForm(form({ name: '  ' }))).toEqual({
      name: 'Give the integration a name',
      datasourceUid: 'Pick a Prometheus data source',
    });
    expect(validatePrometheusForm(form({ name: 'main', datasourceUid: 'prom-main' }))).toEqual({});
  });

  it('checks the data source UID as the sidecar does', () => {
    expect(validatePrometheusForm(form({ name: 'x', datasourceUid: 'bad uid!' })).datasourceUid).toMatch(/UID/);
  });

  it('needs an http(s) URL in direct mode', () => {
    const base = form({ name: 'x', mode: 'direct' });
    expect(validatePrometheusForm(base).url).toBe('Give the URL of the Prometheus server');
    expect(validatePrometheusForm({ ...base, url: 'ftp://prom' }).url).toMatch(/http:\/\/ or https:\/\//);
    expect(validatePrometheusForm({ ...base, url: 'prometheus:9090' }).url).toMatch(/http/);
    expect(validatePrometheusForm({ ...base, url: 'http://prometheus:9090' })).toEqual({});
  });

  it('refuses braces in the label filter (matchers only)', () => {
    const errors = validatePrometheusForm(form({ name: 'x', datasourceUid: 'p', labelFilter: '{job="a"}' }));
    expect(errors.labelFilter).toMatch(/without braces/);
  });

  it('wants a username with a password, and not both a password and a bearer token', () => {
    let f = form({ name: 'x', mode: 'direct', url: 'http://p:9090' });
    f = setSecretValue(f, 'password', 's3cret');
    expect(validatePrometheusForm(f).username).toMatch(/username/);
    f = { ...f, username: 'u' };
    expect(validatePrometheusForm(f)).toEqual({});
    f = setSecretValue(f, 'bearerToken', 'tok');
    expect(validatePrometheusForm(f).bearerToken).toMatch(/either a password .* or a bearer token/);
  });

  it('counts a held secret until it is reset', () => {
    let f = setSecretValue(prometheusFormOf(direct), 'bearerToken', 'tok');
    expect(validatePrometheusForm(f).bearerToken).toBeDefined();
    f = resetSecret(f, 'password');
    expect(validatePrometheusForm(f)).toEqual({});
  });

  it('ignores direct-mode fields in grafana mode', () => {
    const f = setSecretValue(form({ name: 'x', datasourceUid: 'p', url: 'nonsense' }), 'password', 'p');
    expect(validatePrometheusForm(f)).toEqual({});
  });
});

describe('toCreateBody', () => {
  it('sends only the fields of the chosen mode', () => {
    const f = setSecretValue(
      form({ name: ' main ', datasourceUid: 'prom-main', url: 'http://left.over', labelFilter: ' ns="a" ' }),
      'password',
      'left-over'
    );
    expect(toCreateBody(f)).toEqual({
      type: 'prometheus',
      scope: 'project',
      name: 'main',
      config: { mode: 'grafana', datasourceUid: 'prom-main', labelFilter: 'ns="a"' },
      secrets: {},
    });
  });

  it('sends the URL, username and typed secrets in direct mode', () => {
    const f = setSecretValue(
      form({ name: 'p', mode: 'direct', url: ' http://p:9090 ', username: 'u', datasourceUid: 'x' }),
      'password',
      'pw'
    );
    expect(toCreateBody(f)).toEqual({
      type: 'prometheus',
      scope: 'project',
      name: 'p',
      config: { mode: 'direct', url: 'http://p:9090', username: 'u' },
      secrets: { password: 'pw' },
    });
  });
});

describe('toUpdateBody', () => {
  it('reads an integration into the form without any secret value', () => {
    const f = prometheusFormOf(direct);
    expect(f).toMatchObject({ name: 'prod', mode: 'direct', url: 'https://prom.example:9090', username: 'poller' });
    expect(f.secrets.password).toEqual({ isConfigured: true, isReset: false, value: '' });
    expect(f.secrets.bearerToken).toEqual({ isConfigured: false, isReset: false, value: '' });
  });

  it('leaves held secrets alone when none changed', () => {
    expect(toUpdateBody(prometheusFormOf(direct))).toEqual({
      name: 'prod',
      config: { mode: 'direct', url: 'https://prom.example:9090', username: 'poller', labelFilter: 'env="prod"' },
    });
  });

  it('removes a reset secret and sets a typed one', () => {
    let f = resetSecret(prometheusFormOf(direct), 'password');
    expect(toUpdateBody(f).secrets).toEqual({ password: null });
    f = setSecretValue(f, 'bearerToken', 'new-token');
    expect(toUpdateBody(f).secrets).toEqual({ password: null, bearerToken: 'new-token' });
    // A new password typed after the reset replaces the old one.
    f = setSecretValue(f, 'password', 'new-pw');
    expect(toUpdateBody(f).secrets).toEqual({ password: 'new-pw', bearerToken: 'new-token' });
  });

  it('drops held secrets when the integration moves to grafana mode', () => {
    const f = { ...prometheusFormOf(direct), mode: 'grafana' as const, datasourceUid: 'prom-main' };
    expect(toUpdateBody(f)).toEqual({
      name: 'prod',
      config: { mode: 'grafana', datasourceUid: 'prom-main', labelFilter: 'env="prod"' },
      secrets: { password: null },
    });
  });
});
