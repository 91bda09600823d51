import { describe, expect, it } from 'vitest';
import {
  canonicalLabels,
  fingerprintLabels,
  mergeDrafts,
  normalizeSeverity,
  serviceOf,
  signalHash,
  uuidOf,
  type SignalDraft,
} from './signal.ts';
import { normalizeSeverity as severityNormalizer, type Severity } from './severity.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function draft(overrides: Partial<SignalDraft> = {}): SignalDraft {
  return {
    signalType: 'alert',
    source: 'alertmanager',
    fingerprint: 'fp-1',
    status: 'firing',
    severity: 'warning',
    title: 'HighLatency',
    description: '',
    service: 'checkout',
    groupKey: null,
    labels: { alertname: 'HighLatency' },
    normalizedData: {},
    rawData: {},
    generatorUrl: null,
    values: null,
    warnings: [],
    startsAt: '2024-05-01T12:00:00.000Z',
    endsAt: null,
    ...overrides,
  };
}

describe('uuidOf', () => {
  it('writes the first 32 hex digits as a UUID and ignores the rest', () => {
    const hex = '0123456789abcdef0123456789abcdefffffffff';
    expect(uuidOf(hex)).toBe('01234567-89ab-cdef-0123-456789abcdef');
  });
});

describe('signalHash', () => {
  it('is a stable UUID: stored rows are deduplicated against it', () => {
    // Pinned: a change here would stop new deliveries from matching the rows already stored.
    expect(signalHash('abc123', '2024-05-01T12:00:00Z')).toBe('038c6336-ad4f-614a-4685-d1c27e7b0c3e');
    expect(signalHash('abc123', '2024-05-01T12:00:00Z')).toMatch(UUID);
  });

  it('keys on the instant of the start, not on how it is written', () => {
    const key = signalHash('abc123', '2024-05-01T12:00:00Z');
    expect(signalHash('abc123', '2024-05-01T12:00:00.000Z')).toBe(key);
    expect(signalHash('abc123', '2024-05-01T14:00:00+02:00')).toBe(key);
    expect(signalHash('abc123', '2024-05-01T12:00:00.001Z')).not.toBe(key);
    expect(signalHash('abc124', '2024-05-01T12:00:00Z')).not.toBe(key);
  });

  it('throws on a start that is not a time (callers validate it first)', () => {
    expect(() => signalHash('abc123', 'not a time')).toThrow(RangeError);
  });
});

describe('canonicalLabels and fingerprintLabels', () => {
  it('writes the labels in name order, whatever the order they came in', () => {
    expect(canonicalLabels({ b: '2', a: '1' })).toBe('a\u00001\u0001b\u00002');
    expect(canonicalLabels({ a: '1', b: '2' })).toBe(canonicalLabels({ b: '2', a: '1' }));
    expect(canonicalLabels({})).toBe('');
  });

  it('tells apart label sets that differ in a name, a value or an empty value', () => {
    const sets: Array<Record<string, string>> = [{ a: '1' }, { a: '2' }, { b: '1' }, { a: '' }, { a: '1', b: '' }, {}];
    const keys = sets.map(canonicalLabels);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('fingerprints a label set as 16 stable hex digits, independent of label order', () => {
    // Pinned: sources that send no fingerprint are deduplicated against stored rows by this value.
    expect(fingerprintLabels({ alertname: 'HighLatency', service: 'checkout' })).toBe('41bc0bccf2d93597');
    expect(fingerprintLabels({ service: 'checkout', alertname: 'HighLatency' })).toBe('41bc0bccf2d93597');
    expect(fingerprintLabels({})).toMatch(/^[0-9a-f]{16}$/);
    expect(fingerprintLabels({ service: 'checkout' })).not.toBe(fingerprintLabels({ service: 'payments' }));
  });
});

describe('serviceOf', () => {
  const names = ['service', 'job', 'app'];

  it('takes the first of the service labels that is set, trimmed', () => {
    expect(serviceOf({ app: 'web', job: 'api' }, names)).toBe('api');
    expect(serviceOf({ service: '  checkout  ', job: 'api' }, names)).toBe('checkout');
    expect(serviceOf({ service: '   ', job: '', app: 'web' }, names)).toBe('web');
  });

  it('gives null when none is set or no label names a service', () => {
    expect(serviceOf({}, names)).toBeNull();
    expect(serviceOf({ service: ' ', team: 'sre' }, names)).toBeNull();
    expect(serviceOf({ service: 'checkout' }, [])).toBeNull();
  });

  it('cuts a long service name to 200 characters', () => {
    expect(serviceOf({ service: 'x'.repeat(300) }, names)).toBe('x'.repeat(200));
  });
});

describe('mergeDrafts', () => {
  it('keeps one draft per fingerprint and start instant, in the order they first came, with the copies counted', () => {
    const drafts = [
      draft({ fingerprint: 'a' }),
      draft({ fingerprint: 'b' }),
      draft({ fingerprint: 'a', startsAt: '2024-05-01T14:00:00+02:00' }),
      draft({ fingerprint: 'a', startsAt: '2024-05-01T12:05:00.000Z' }),
    ];
    const { merged, hashes } = mergeDrafts(drafts);
    expect(hashes).toEqual(drafts.map((d) => signalHash(d.fingerprint, d.startsAt)));
    expect(hashes[0]).toBe(hashes[2]);
    expect(merged.map((m) => [m.draft.fingerprint, m.index, m.copies])).toEqual([
      ['a', 0, 2],
      ['b', 1, 1],
      ['a', 3, 1],
    ]);
    expect(merged.map((m) => m.hash)).toEqual([hashes[0], hashes[1], hashes[3]]);
  });

  it('lets a resolved copy win over a firing one, in either order', () => {
    const firing = draft({ severity: 'critical' });
    const resolvedCopy = draft({ status: 'resolved', severity: 'info', endsAt: '2024-05-01T12:10:00.000Z' });
    expect(mergeDrafts([firing, resolvedCopy]).merged).toEqual([
      { draft: resolvedCopy, hash: signalHash('fp-1', firing.startsAt), index: 1, copies: 2 },
    ]);
    expect(mergeDrafts([resolvedCopy, firing]).merged[0]).toMatchObject({ draft: resolvedCopy, index: 0, copies: 2 });
  });

  it('keeps the worst severity among copies of the same status, the first of equal ones', () => {
    const severities: Severity[] = ['warning', 'critical', 'high', 'critical'];
    const drafts = severities.map((severity, i) => draft({ severity, title: `copy ${i}` }));
    expect(mergeDrafts(drafts).merged[0]).toMatchObject({ index: 1, copies: 4, draft: { title: 'copy 1' } });
  });

  it('groups by the keys given instead of computing them', () => {
    const drafts = [draft({ fingerprint: 'a' }), draft({ fingerprint: 'b' })];
    const { merged, hashes } = mergeDrafts(drafts, ['k', 'k']);
    expect(hashes).toEqual(['k', 'k']);
    expect(merged).toEqual([{ draft: drafts[0], hash: 'k', index: 0, copies: 2 }]);
  });

  it('gives nothing for no drafts', () => {
    expect(mergeDrafts([])).toEqual({ merged: [], hashes: [] });
  });
});

describe('normalizeSeverity', () => {
  it('is the one of the severity module, re-exported', () => {
    expect(normalizeSeverity).toBe(severityNormalizer);
  });
});
