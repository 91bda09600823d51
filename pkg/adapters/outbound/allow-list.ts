/**
 * The hosts the sidecar may call. Every outbound adapter checks its URL here before it sends anything, so that a
 * configuration stored by a tenant can never make the sidecar reach a host an operator has not listed.
 */

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443' };

/** A set of `host` or `host:port` entries, compared in lower case; a default port may be written or not. */
export class HostAllowList {
  private readonly entries: Set<string>;

  constructor(allowedHosts: string[]) {
    this.entries = new Set(allowedHosts.map(normaliseHostEntry));
  }

  /** Whether the URL's host[:port] is one of the entries. */
  allows(url: URL): boolean {
    return hostKeys(url).some((key) => this.entries.has(key));
  }
}

/** Whether a URL's host[:port] is one of `allowedHosts` (lower-case; a default port may be written or not). */
export function isHostAllowed(url: string | URL, allowedHosts: string[]): boolean {
  const parsed = typeof url === 'string' ? new URL(url) : url;
  return new HostAllowList(allowedHosts).allows(parsed);
}

/** Why a URL may not be called: it does not parse, it is not plain http(s), or its host is not allowed. */
export type OutboundUrlRefusal =
  { refused: 'invalid'; cause: unknown } | { refused: 'scheme' } | { refused: 'host'; host: string };

/**
 * Resolves `path` against `baseUrl` (none for an absolute URL) and checks the result before a call: http(s) only, no
 * credentials in the URL (they belong in headers, where they are never logged), and an allowed host. Returns the URL
 * or why it is refused, so that each adapter words the refusal for its own operators.
 */
export function checkOutboundUrl(
  path: string,
  baseUrl: string | undefined,
  allowList: HostAllowList
): { url: URL } | OutboundUrlRefusal {
  let url: URL;
  try {
    url = new URL(path, baseUrl);
  } catch (error) {
    return { refused: 'invalid', cause: error };
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
    return { refused: 'scheme' };
  }
  if (!allowList.allows(url)) {
    return { refused: 'host', host: hostKeys(url).at(-1)! };
  }
  return { url };
}

/** The keys a URL's host matches: `host` and `host:<default port>` when the port is the default, else `host:port`. */
function hostKeys(url: URL): string[] {
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const port = url.port || DEFAULT_PORTS[url.protocol];
  return url.port ? [`${host}:${url.port}`] : [host, `${host}:${port}`];
}

function normaliseHostEntry(entry: string): string {
  return entry
    .trim()
    .toLowerCase()
    .replace(/\.(?=:|$)/, '');
}
