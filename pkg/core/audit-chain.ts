import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
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

/**
 * A key of the audit MAC. It lives outside the database (AUDIT_KEYS, or a key file of the embedded mode), so that the
 * database owner, who can rewrite rows and re-hash the chain, cannot compute a valid MAC.
 */
export interface AuditKey {
  id: string;
  key: Uint8Array;
}

/** The MAC of a row: which key computed it, and the HMAC-SHA256 in hex. */
export interface AuditMac {
  keyId: string;
  mac: string;
}

/** Domain separation: an entry's MAC is never valid as a checkpoint's, nor the other way round. */
const ENTRY_MAC_CONTEXT = 'sre-copilot.audit.entry.v1';
const CHECKPOINT_MAC_CONTEXT = 'sre-copilot.audit.checkpoint.v1';

function hmac(key: Uint8Array, context: string, message: string): string {
  return createHmac('sha256', key).update(context).update('\n').update(message).digest('hex');
}

/** Compares two hex MACs in constant time. */
function sameMac(expected: string, actual: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(actual, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The MAC of an entry: HMAC-SHA256 over its hash, which already covers the entry (tenant and position included) and
 * the previous hash, so a valid MAC pins the entry and everything before it.
 */
export function macAuditEntry(key: AuditKey, hash: string): AuditMac {
  return { keyId: key.id, mac: hmac(key.key, ENTRY_MAC_CONTEXT, hash) };
}

/** A signed statement that a chain had reached `seq` with head `hash` at `createdAt`; it is exported to leave the database. */
export interface AuditCheckpoint {
  orgId: number;
  projectId: string | null;
  seq: number;
  hash: string;
  /** ISO 8601 with milliseconds: when the checkpoint was taken. */
  createdAt: string;
  keyId: string;
  mac: string;
}

export type UnsignedCheckpoint = Omit<AuditCheckpoint, 'keyId' | 'mac'>;

function checkpointMessage(checkpoint: UnsignedCheckpoint): string {
  const { orgId, projectId, seq, hash, createdAt } = checkpoint;
  const canonical = canonicalize({ orgId, projectId, seq, hash, createdAt });
  if (canonical === undefined) {
    throw new Error('audit checkpoint cannot be serialized');
  }
  return canonical;
}

/** Signs a checkpoint with `key` (HMAC-SHA256 over its canonical JSON). */
export function signCheckpoint(key: AuditKey, checkpoint: UnsignedCheckpoint): AuditCheckpoint {
  const { orgId, projectId, seq, hash, createdAt } = checkpoint;
  return {
    orgId,
    projectId,
    seq,
    hash,
    createdAt,
    keyId: key.id,
    mac: hmac(key.key, CHECKPOINT_MAC_CONTEXT, checkpointMessage(checkpoint)),
  };
}

export type CheckpointCheck = 'ok' | 'unknown_mac_key' | 'mac_mismatch';

/** Whether a checkpoint was signed by one of `keys` and is unchanged since. */
export function checkCheckpoint(keys: ReadonlyMap<string, Uint8Array>, checkpoint: AuditCheckpoint): CheckpointCheck {
  const key = keys.get(checkpoint.keyId);
  if (!key) {
    return 'unknown_mac_key';
  }
  const expected = hmac(key, CHECKPOINT_MAC_CONTEXT, checkpointMessage(checkpoint));
  return sameMac(expected, checkpoint.mac) ? 'ok' : 'mac_mismatch';
}

export interface StoredAuditEntry {
  id: number;
  entry: AuditEntry;
  prevHash: string;
  hash: string;
  /** Absent or null for an entry written before the chain was keyed. */
  mac?: AuditMac | null;
}

export type ChainBreakReason =
  | 'sequence_gap'
  | 'previous_hash_mismatch'
  | 'hash_mismatch'
  | 'mac_missing'
  | 'unknown_mac_key'
  | 'mac_mismatch'
  | 'checkpoint_mismatch'
  | 'truncated';

export interface ChainBreak {
  /** Null when the break is a missing tail: there is no row to name. */
  id: number | null;
  seq: number;
  reason: ChainBreakReason;
  expected: string;
  actual: string;
}

/** What a chain must still contain: the position and head hash of a checkpoint whose MAC was checked. */
export interface ChainAnchor {
  seq: number;
  hash: string;
}

/**
 * Walks a chain in `seq` order, one entry at a time (so it can be fed page by page), and reports the first
 * broken link: a missing or extra entry, a `prev_hash` that does not name its predecessor, a row whose content no
 * longer matches its hash, or a MAC that is missing, of an unknown key or wrong. Entries written before the chain was
 * keyed carry no MAC: they are counted as `unkeyed` and accepted, but only as the chain's beginning — once an entry
 * has a MAC, every later one must have one. With an anchor (a checkpoint), the entry at its position must have its
 * hash, and `finish` reports a chain that ends before it (rows deleted from the tail).
 */
export class ChainVerifier {
  private prevHash = GENESIS_HASH;
  private nextSeq = 1;
  private keyed = false;
  private readonly keys: ReadonlyMap<string, Uint8Array>;
  private readonly anchor: ChainAnchor | null;
  checked = 0;
  unkeyed = 0;

  constructor(keys: ReadonlyMap<string, Uint8Array> = new Map(), anchor: ChainAnchor | null = null) {
    this.keys = keys;
    this.anchor = anchor;
  }

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
    const macBreak = this.checkMac(row);
    if (macBreak) {
      return macBreak;
    }
    if (this.anchor && entry.seq === this.anchor.seq && row.hash !== this.anchor.hash) {
      return this.broken(row, 'checkpoint_mismatch', this.anchor.hash, row.hash);
    }
    this.prevHash = row.hash;
    this.nextSeq += 1;
    this.checked += 1;
    return null;
  }

  /** After the last row: a chain shorter than its anchor lost its tail. */
  finish(): ChainBreak | null {
    if (this.anchor && this.checked < this.anchor.seq) {
      return {
        id: null,
        seq: this.nextSeq,
        reason: 'truncated',
        expected: String(this.anchor.seq),
        actual: String(this.checked),
      };
    }
    return null;
  }

  private checkMac(row: StoredAuditEntry): ChainBreak | null {
    if (!row.mac) {
      if (this.keyed) {
        return this.broken(row, 'mac_missing', 'a MAC', 'none');
      }
      this.unkeyed += 1;
      return null;
    }
    this.keyed = true;
    const key = this.keys.get(row.mac.keyId);
    if (!key) {
      return this.broken(row, 'unknown_mac_key', [...this.keys.keys()].join(','), row.mac.keyId);
    }
    const expected = macAuditEntry({ id: row.mac.keyId, key }, row.hash).mac;
    return sameMac(expected, row.mac.mac) ? null : this.broken(row, 'mac_mismatch', expected, row.mac.mac);
  }

  private broken(row: StoredAuditEntry, reason: ChainBreakReason, expected: string, actual: string): ChainBreak {
    return { id: row.id, seq: row.entry.seq, reason, expected, actual };
  }
}
