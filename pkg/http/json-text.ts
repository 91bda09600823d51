/**
 * Strings that JSON can carry but the database cannot store: NUL characters (PostgreSQL text and jsonb refuse
 * them) and unpaired UTF-16 surrogates (no UTF-8 encoding exists). For the user API a body holding one is refused
 * with a 400 that names the field, before any route sees it; otherwise the insert would fail and the caller would be
 * told to retry a request that can never succeed. Machine senders cannot fix what they forward, and one odd label
 * must not cost the other alerts of a delivery: for them each such character is replaced by U+FFFD instead.
 */

import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '../core/text.ts';

/**
 * Escapes that can put either into a parsed string. Raw ones cannot: JSON forbids raw control characters in
 * strings, and decoding UTF-8 never yields a surrogate. Bodies without such an escape (nearly all) are not walked.
 */
const SUSPECT_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

const unstorable = (text: string) => !isStorableText(text);

interface Node {
  value: unknown;
  parent: Node | null;
  key: string;
}

/** The dotted path of a node, as zod names fields in its messages (`alerts.0.labels.service`). */
function pathOf(node: Node): string {
  const keys: string[] = [];
  for (let at: Node | null = node; at?.parent; at = at.parent) {
    keys.push(at.key);
  }
  return keys.length === 0 ? '(body)' : keys.reverse().join('.');
}

/**
 * What is wrong with the strings of a parsed JSON body (`raw` is its text), or null. Walks iteratively, so any depth
 * of nesting the parser accepted is fine.
 */
export function unstorableTextProblem(raw: string, value: unknown): string | null {
  if (!SUSPECT_ESCAPE.test(raw)) {
    return null;
  }
  const pending: Node[] = [{ value, parent: null, key: '' }];
  for (let node = pending.pop(); node; node = pending.pop()) {
    const current = node.value;
    if (typeof current === 'string') {
      if (unstorable(current)) {
        return `${pathOf(node)}: ${UNSTORABLE_TEXT_MESSAGE}`;
      }
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) {
        pending.push({ value: current[i], parent: node, key: String(i) });
      }
    } else if (typeof current === 'object' && current !== null) {
      const keys = Object.keys(current);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        if (unstorable(key)) {
          return `${pathOf(node)}: names ${UNSTORABLE_TEXT_MESSAGE}`;
        }
        pending.push({ value: (current as Record<string, unknown>)[key], parent: node, key });
      }
    }
  }
  return null;
}

/** The text with each NUL and each unpaired surrogate replaced by U+FFFD, the replacement character. */
export const storableString = (text: string) => text.toWellFormed().replaceAll('\0', '\uFFFD');

/**
 * A parsed JSON body (`raw` is its text) with every string and every name the database cannot store made storable
 * by `storableString`, in place; a body that is itself such a string is returned replaced. Walks iteratively, and
 * only bodies with a suspect escape.
 */
export function replaceUnstorableText(raw: string, value: unknown): unknown {
  if (!SUSPECT_ESCAPE.test(raw)) {
    return value;
  }
  if (typeof value === 'string') {
    return storableString(value);
  }
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const current = pending.pop();
    if (typeof current !== 'object' || current === null) {
      continue;
    }
    const items = current as Record<string, unknown>;
    const keys = Object.keys(items);
    if (!Array.isArray(current) && keys.some(unstorable)) {
      // Deleted and put back in their order, so the names keep their place.
      const entries = keys.map((key) => [storableString(key), items[key]] as const);
      keys.forEach((key) => delete items[key]);
      entries.forEach(([key, item]) =>
        Object.defineProperty(items, key, { value: item, enumerable: true, writable: true, configurable: true })
      );
    }
    for (const key of Object.keys(items)) {
      const item = items[key];
      if (typeof item === 'string') {
        if (unstorable(item)) {
          items[key] = storableString(item);
        }
      } else if (typeof item === 'object' && item !== null) {
        pending.push(item);
      }
    }
  }
  return value;
}
