/**
 * PromQL templates as the YAML an admin edits (`templates: [...]`, the shape of the sidecar's defaults file).
 * Only syntax is checked here; the sidecar validates the templates and its message is shown as it is.
 */
import { parse, stringify, YAMLParseError } from 'yaml';
import type { QueryTemplate, QueryTemplatesBody } from '../../api';

/** The templates as YAML, fields in the contract's order, optional ones only when set. */
export function templatesToYaml(templates: QueryTemplate[]): string {
  const ordered = templates.map((t) => ({
    name: t.name,
    ...(t.description && { description: t.description }),
    query: t.query,
    service: t.service,
    direction: t.direction,
    tier: t.tier,
    ...(t.intervalSeconds !== undefined && { intervalSeconds: t.intervalSeconds }),
    ...(t.unit && { unit: t.unit }),
    enabled: t.enabled,
  }));
  return stringify({ templates: ordered }, { lineWidth: 0 });
}

export type ParsedTemplates = { ok: true; body: QueryTemplatesBody } | { ok: false; error: string };

/** Reads the edited YAML into the PUT body, or says why it is not YAML of the right shape. */
export function parseTemplatesYaml(text: string): ParsedTemplates {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    const line = error instanceof YAMLParseError && error.linePos ? ` (line ${error.linePos[0].line})` : '';
    // The parser's first line, without the colon that introduces its excerpt of the text.
    const first = (error instanceof Error ? error.message.split('\n')[0]! : String(error)).replace(/:\s*$/, '');
    return { ok: false, error: `Not valid YAML${line}: ${first}` };
  }
  if (
    typeof document !== 'object' ||
    document === null ||
    !Array.isArray((document as { templates?: unknown }).templates)
  ) {
    return {
      ok: false,
      error: 'Expected a list under "templates:", e.g.\ntemplates:\n  - name: error-rate\n    query: …',
    };
  }
  return { ok: true, body: document as QueryTemplatesBody };
}

/** A poll interval for people: 45s, 5m, 1h 30m. */
export function formatInterval(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const parts = [h && `${h}h`, m && `${m}m`, s && `${s}s`].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : '0s';
}
