/**
 * @jest-environment-options {"customExportConditions": ["node", "require"]}
 */
// `yaml`'s browser build is ES modules, which Jest does not transform: load its CommonJS build (same code).
import type { QueryTemplate } from '../../api';
import { formatInterval, parseTemplatesYaml, templatesToYaml } from './queryTemplates';

const templates: QueryTemplate[] = [
  {
    name: 'error-rate',
    description: 'Share of 5xx answers',
    query: 'sum by (service) (rate(http_requests_total{code=~"5..",{{filter}}}[5m]))',
    service: '{{service}}',
    direction: 'up',
    tier: 'critical',
    unit: 'req/s',
    enabled: true,
  },
  {
    name: 'latency.p99',
    description: '',
    query: 'histogram_quantile(0.99, sum by (le, service) (rate(http_request_duration_seconds_bucket[5m])))',
    service: '{{namespace}}/{{service}}',
    direction: 'both',
    tier: 'standard',
    intervalSeconds: 120,
    enabled: false,
  },
];

describe('templates as YAML', () => {
  it('round-trips: what an admin saves unchanged is what was shown', () => {
    const yaml = templatesToYaml(templates);
    expect(yaml).toContain('- name: error-rate');
    // Queries with braces and quotes stay one readable line.
    expect(yaml).toContain('query: sum by (service) (rate(http_requests_total{code=~"5..",{{filter}}}[5m]))');
    const parsed = parseTemplatesYaml(yaml);
    expect(parsed).toEqual({
      ok: true,
      body: {
        templates: [
          { ...templates[0] },
          // Empty optional fields are left out, as the sidecar fills them in.
          {
            name: 'latency.p99',
            query: templates[1]!.query,
            service: '{{namespace}}/{{service}}',
            direction: 'both',
            tier: 'standard',
            intervalSeconds: 120,
            enabled: false,
          },
        ],
      },
    });
  });

  it('says where the YAML is broken', () => {
    const parsed = parseTemplatesYaml('templates:\n  - name: a\n    query: "unterminated\n');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(/^Not valid YAML \(line \d+\)/);
  });

  it('wants a list under templates', () => {
    for (const text of ['', '- name: a', 'templates: nope']) {
      const parsed = parseTemplatesYaml(text);
      expect(!parsed.ok && parsed.error).toMatch(/Expected a list under "templates:"/);
    }
    expect(parseTemplatesYaml('templates: []')).toEqual({ ok: true, body: { templates: [] } });
  });
});

describe('formatInterval', () => {
  it.each([
    [15, '15s'],
    [60, '1m'],
    [150, '2m 30s'],
    [3600, '1h'],
    [5400, '1h 30m'],
    [0, '0s'],
  ])('%i s is %s', (seconds, text) => {
    expect(formatInterval(seconds)).toBe(text);
  });
});
