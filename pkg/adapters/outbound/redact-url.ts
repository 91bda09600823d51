/**
 * A URL as it may be logged or shown: scheme, host and path. Credentials in the URL (userinfo) and the query string
 * (where tokens and API keys tend to travel) are dropped, and so is the fragment; a string that does not parse is
 * never echoed, since it may be a secret pasted into the wrong field. Every log line and error message that names an
 * outbound URL goes through here.
 */
export function redactUrl(url: string | URL): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(an invalid URL)';
  }
}
