import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export interface SealedSecret {
  keyId: string;
  /** `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
  ciphertext: string;
}

/**
 * AES-256-GCM for secrets at rest. The first key seals; every listed key opens, so keys rotate by putting a new
 * key first and re-sealing (`reseal`). The associated data binds a ciphertext to its row: a ciphertext copied
 * into another row does not open.
 */
export class SecretBox {
  private readonly keys: Map<string, Buffer>;
  private readonly active: EncryptionKey;

  constructor(keys: EncryptionKey[]) {
    const [active] = keys;
    if (!active) {
      throw new Error('SecretBox needs at least one key');
    }
    this.active = active;
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
  }

  get activeKeyId(): string {
    return this.active.id;
  }

  seal(plaintext: string, associatedData: string): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.active.key, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const parts = [
      'v1',
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      body.toString('base64url'),
    ];
    return { keyId: this.active.id, ciphertext: parts.join('.') };
  }

  open(sealed: SealedSecret, associatedData: string): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) {
      throw new Error(`no encryption key with id "${sealed.keyId}" is configured (ENCRYPTION_KEYS)`);
    }
    const [version, iv, tag, body] = sealed.ciphertext.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) {
      throw new Error('sealed secret has an unknown format');
    }
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(associatedData));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** Re-seals under the active key when sealed under another one; null when already current. */
  reseal(sealed: SealedSecret, associatedData: string): SealedSecret | null {
    return sealed.keyId === this.active.id ? null : this.seal(this.open(sealed, associatedData), associatedData);
  }
}
