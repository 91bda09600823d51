import { describe, expect, it } from 'vitest';
import { ChainVerifier, GENESIS_HASH, hashAuditEntry, type AuditEntry, type StoredAuditEntry } from './audit-chain.ts';

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
