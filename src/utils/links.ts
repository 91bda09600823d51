/**
 * `url` if it is safe to link to, else null. Alert payloads carry generator URLs that anyone with an ingest token
 * can write, so only http(s) links pass, and links relative to Grafana (`/alerting/…`, `?orgId=1`).
 */
export function safeLinkUrl(url: string | null | undefined): string | null {
  if (!url) {
    return null;
  }
  try {
    const parsed = new URL(url, window.location.origin);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** Whether `url` leaves Grafana, so that it opens in a new tab. */
export function isExternalUrl(url: string): boolean {
  return new URL(url, window.location.origin).origin !== window.location.origin;
}
