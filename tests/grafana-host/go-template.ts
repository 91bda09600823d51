/**
 * The part of Go's text/template that Grafana's plugin proxy uses for `routes[].url`, `headers[].content` and
 * `body`: actions `{{ .JsonData.key }}`, `{{ .SecureJsonData.key }}` (nested fields too), the `orEmpty` function
 * Grafana adds, and `{{-`/`-}}` trimming. Output follows Go: a missing map key prints `<no value>`, numbers print
 * like `%v`. Anything else is a template error, as Grafana answers 500 for a template it cannot execute.
 */

export class TemplateError extends Error {}

export interface TemplateData {
  JsonData: Record<string, unknown>;
  SecureJsonData: Record<string, string>;
  URL?: string;
}

const ACTION = /\{\{(-\s)?\s*(.*?)\s*(\s-)?\}\}/gs;
const FIELD_CHAIN = /^(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
const MISSING = Symbol('missing');

export function interpolate(template: string, data: TemplateData): string {
  let out = '';
  let last = 0;
  let trimNext = false;
  for (const match of template.matchAll(ACTION)) {
    let text = template.slice(last, match.index);
    if (trimNext) {
      text = text.replace(/^\s+/, '');
    }
    if (match[1]) {
      text = text.replace(/\s+$/, '');
    }
    out += text + evaluate(match[2] ?? '', data);
    trimNext = Boolean(match[3]);
    last = match.index + match[0].length;
  }
  let rest = template.slice(last);
  if (trimNext) {
    rest = rest.replace(/^\s+/, '');
  }
  if (rest.includes('{{')) {
    throw new TemplateError(`unclosed action in template "${template}"`);
  }
  return out + rest;
}

function evaluate(pipeline: string, data: TemplateData): string {
  const stages = pipeline.split('|').map((s) => s.trim());
  let orEmpty = false;
  let expression = stages[0] ?? '';
  if (expression.startsWith('orEmpty ')) {
    orEmpty = true;
    expression = expression.slice('orEmpty '.length).trim();
  }
  for (const stage of stages.slice(1)) {
    if (stage !== 'orEmpty') {
      throw new TemplateError(`function "${stage}" not defined`);
    }
    orEmpty = true;
  }
  if (!FIELD_CHAIN.test(expression)) {
    throw new TemplateError(`unsupported template action "{{${pipeline}}}"`);
  }
  const value = lookup(expression.slice(1).split('.'), data);
  if (value === MISSING || value === null || value === undefined) {
    return orEmpty ? '' : '<no value>';
  }
  return formatValue(value);
}

function lookup(path: string[], data: TemplateData): unknown {
  let current: unknown = data;
  for (const [i, name] of path.entries()) {
    if (current === MISSING || current === null || current === undefined) {
      throw new TemplateError(`nil pointer evaluating .${path.slice(0, i + 1).join('.')}`);
    }
    if (typeof current !== 'object' || Array.isArray(current)) {
      throw new TemplateError(`can't evaluate field ${name} in type ${goType(current)}`);
    }
    const record = current as Record<string, unknown>;
    current = Object.prototype.hasOwnProperty.call(record, name) ? record[name] : MISSING;
  }
  return current;
}

/** Go's `%v` for the JSON values a settings map can hold. */
function formatValue(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number') {
    return formatFloat(value);
  }
  if (typeof value === 'boolean') {
    return String(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => (v === null ? '<nil>' : formatValue(v))).join(' ')}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `map[${entries.map(([k, v]) => `${k}:${v === null ? '<nil>' : formatValue(v)}`).join(' ')}]`;
  }
  return String(value);
}

/** Go's `%v` of a float64: shortest digits, exponent form when the exponent is below -4 or at least 6. */
function formatFloat(value: number): string {
  if (!Number.isFinite(value)) {
    return value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
  }
  if (value === 0) {
    return Object.is(value, -0) ? '-0' : '0';
  }
  const [mantissa, expText] = value.toExponential().split('e');
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(value);
}

function goType(value: unknown): string {
  if (typeof value === 'string') {
    return 'string';
  }
  if (typeof value === 'number') {
    return 'float64';
  }
  if (typeof value === 'boolean') {
    return 'bool';
  }
  return Array.isArray(value) ? '[]interface {}' : 'interface {}';
}
