import { describe, expect, it } from 'vitest';
import {
  ChainVerifier,
  checkCheckpoint,
  GENESIS_HASH,
  hashAuditEntry,
  macAuditEntry,
  signCheckpoint,
  type AuditEntry,
  type AuditKey,
  type StoredAuditEntry,
} from './audit-chain.ts';

function chain(length: number): StoredAuditEntry[] {
  const rows: StoredAuditEntry[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= length; seq++) {
    const entry: AuditEntry = {
      orgId: 1,
      projectId: 'p',
      seq,
      actorType: 'user',
      actorId: 'user:1',
      actorName: 'alice',
      action: 'incident.updated',
      resourceType: 'incident',
      resourceId: `i${seq}`,
      details: { b: seq, a: [1, { y: true, x: null }] },
      ip: '10.0.0.1',
      requestId: `r${seq}`,
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    };
    const hash = hashAuditEntry(prev, entry);
    rows.push({ id: seq + 100, entry, prevHash: prev, hash });
    prev = hash;
  }
  return rows;
}

function verify(rows: StoredAuditEntry[]) {
  const verifier = new ChainVerifier();
  for (const row of rows) {
    const broken = verifier.next(row);
    if (broken) {
      return broken;
    }
  }
  return null;
}

describe('audit hash chain', () => {
  it('hashes the canonical form: key order in details does not matter, content does', () => {
    const [row] = chain(1);
    const reordered = { ...row!.entry, details: { a: [1, { x: null, y: true }], b: 1 } };
    expect(hashAuditEntry(GENESIS_HASH, reordered)).toBe(row!.hash);
    expect(hashAuditEntry(GENESIS_HASH, { ...row!.entry, details: { a: [1, { x: null, y: false }], b: 1 } })).not.toBe(
      row!.hash
    );
    expect(hashAuditEntry('f'.repeat(64), row!.entry)).not.toBe(row!.hash);
  });

  it('accepts an intact chain', () => {
    expect(verify(chain(50))).toBeNull();
  });

  it('reports an altered row at that row', () => {
    const rows = chain(10);
    rows[6] = { ...rows[6]!, entry: { ...rows[6]!.entry, actorName: 'mallory' } };
    expect(verify(rows)).toMatchObject({ id: 107, seq: 7, reason: 'hash_mismatch' });
  });

  it('reports a row whose hash was recomputed at the next row', () => {
    const rows = chain(10);
    const entry = { ...rows[3]!.entry, details: { forged: true } };
    rows[3] = { ...rows[3]!, entry, hash: hashAuditEntry(rows[3]!.prevHash, entry) };
    expect(verify(rows)).toMatchObject({ seq: 5, reason: 'previous_hash_mismatch' });
  });

  it('reports a deleted and an inserted row', () => {
    const rows = chain(10);
    expect(verify([...rows.slice(0, 4), ...rows.slice(5)])).toMatchObject({ seq: 6, reason: 'sequence_gap' });
    expect(verify([rows[0]!, rows[0]!, ...rows.slice(1)])).toMatchObject({ seq: 1, reason: 'sequence_gap' });
  });
});

describe('audit MACs and checkpoints', () => {
  const k1: AuditKey = { id: 'k1', key: Buffer.alloc(32, 1) };
  const k2: AuditKey = { id: 'k2', key: Buffer.alloc(32, 2) };
  const keys = new Map([k1, k2].map((k) => [k.id, k.key]));
  const keyed = (length: number, key = k1): StoredAuditEntry[] =>
    chain(length).map((row) => ({ ...row, mac: macAuditEntry(key, row.hash) }));
  const walk = (verifier: ChainVerifier, rows: StoredAuditEntry[]) => {
    for (const row of rows) {
      const broken = verifier.next(row);
      if (broken) {
        return broken;
      }
    }
    return verifier.finish();
  };

  it('accepts a keyed chain under any listed key, and an unkeyed beginning', () => {
    const rows = keyed(6);
    rows[4] = { ...rows[4]!, mac: macAuditEntry(k2, rows[4]!.hash) };
    rows[0] = { ...rows[0]!, mac: null };
    const verifier = new ChainVerifier(keys);
    expect(walk(verifier, rows)).toBeNull();
    expect(verifier.unkeyed).toBe(1);
  });

  it('reports a wrong MAC, an unknown key and a MAC missing after keyed entries', () => {
    const rows = keyed(5);
    const wrong = rows.map((r, i) => (i === 2 ? { ...r, mac: { keyId: 'k1', mac: 'f'.repeat(64) } } : r));
    expect(walk(new ChainVerifier(keys), wrong)).toMatchObject({ seq: 3, reason: 'mac_mismatch' });
    expect(walk(new ChainVerifier(new Map([['k2', k2.key]])), rows)).toMatchObject({
      seq: 1,
      reason: 'unknown_mac_key',
    });
    const stripped = rows.map((r, i) => (i >= 3 ? { ...r, mac: null } : r));
    expect(walk(new ChainVerifier(keys), stripped)).toMatchObject({ seq: 4, reason: 'mac_missing' });
  });

  it('signs checkpoints and reports a chain that lost its tail or differs from the checkpoint', () => {
    const rows = keyed(5);
    const checkpoint = signCheckpoint(k1, {
      orgId: 1,
      projectId: 'p',
      seq: 4,
      hash: rows[3]!.hash,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    expect(checkCheckpoint(keys, checkpoint)).toBe('ok');
    expect(checkCheckpoint(keys, { ...checkpoint, seq: 5 })).toBe('mac_mismatch');
    expect(checkCheckpoint(keys, { ...checkpoint, keyId: 'k9' })).toBe('unknown_mac_key');
    // an entry's MAC is no checkpoint's
    expect(checkCheckpoint(keys, { ...checkpoint, mac: macAuditEntry(k1, rows[3]!.hash).mac })).toBe('mac_mismatch');
    const anchor = { seq: checkpoint.seq, hash: checkpoint.hash };
    expect(walk(new ChainVerifier(keys, anchor), rows)).toBeNull();
    expect(walk(new ChainVerifier(keys, anchor), rows.slice(0, 2))).toMatchObject({
      id: null,
      seq: 3,
      reason: 'truncated',
    });
    expect(walk(new ChainVerifier(keys, { seq: 4, hash: rows[2]!.hash }), rows)).toMatchObject({
      seq: 4,
      reason: 'checkpoint_mismatch',
    });
  });
});
