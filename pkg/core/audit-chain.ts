import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** The `prev_hash` of the first entry of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

export type ActorType = 'user' | 'service_account' | 'system';

/** What one audit row asserts; its hash covers exactly these fields and the previous hash. */
export interface AuditEntry {
  orgId: number;
  projectId: string | null;
  seq: number;
  actorType: ActorType;
  actorId: string;
  actorName: string;
  action: string;
  resourceType: string;
  resourceId: string;
  details: Record<string, unknown>;
  ip: string | null;
  requestId: string | null;
  /** ISO 8601 with milliseconds, as stored. */
  createdAt: string;
}

/** sha256 over the previous hash and the entry in RFC 8785 canonical JSON; hex. */
export function hashAuditEntry(prevHash: string, entry: AuditEntry): string {
  const canonical = canonicalize(entry);
  if (canonical === undefined) {
    throw new Error('audit entry cannot be serialized');
  }
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

export interface StoredAuditEntry {
  id: number;
  entry: AuditEntry;
  prevHash: string;
  hash: string;
}

export type ChainBreakReason = 'sequence_gap' | 'previous_hash_mismatch' | 'hash_mismatch';

export interface ChainBreak {
  id: number;
  seq: number;
  reason: ChainBreakReason;
  expected: string;
  actual: string;
}

/**
 * Walks a chain in `seq` order, one entry at a time (so it can be fed page by page), and reports the first
 * broken link: a missing or extra entry, a `prev_hash` that does not name its predecessor, or a row whose
 * content no longer matches its hash.
 */
export class ChainVerifier {
  private prevHash = GENESIS_HASH;
  private nextSeq = 1;
  checked = 0;

  next(row: StoredAuditEntry): ChainBreak | null {
    const { entry } = row;
    if (entry.seq !== this.nextSeq) {
      return this.broken(row, 'sequence_gap', String(this.nextSeq), String(entry.seq));
    }
    if (row.prevHash !== this.prevHash) {
      return this.broken(row, 'previous_hash_mismatch', this.prevHash, row.prevHash);
    }
    const recomputed = hashAuditEntry(row.prevHash, entry);
    if (recomputed !== row.hash) {
      return this.broken(row, 'hash_mismatch', recomputed, row.hash);
    }
    this.prevHash = row.hash;
    this.nextSeq += 1;
    this.checked += 1;
    return null;
  }

  private broken(row: StoredAuditEntry, reason: ChainBreakReason, expected: string, actual: string): ChainBreak {
    return { id: row.id, seq: row.entry.seq, reason, expected, actual };
  }
}
