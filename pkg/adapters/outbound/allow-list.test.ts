import { describe, expect, it } from 'vitest';
import { HostAllowList, checkOutboundUrl, isHostAllowed } from './allow-list.ts';

describe('HostAllowList', () => {
  it('compares host[:port] in lower case, default ports written or not', () => {
    const list = new HostAllowList(['Prom.Example', 'grafana.example:443', 'other.example:9090', '[::1]:9090']);
    expect(list.allows(new URL('http://prom.example/'))).toBe(true);
    expect(list.allows(new URL('http://PROM.example:80/'))).toBe(true);
    expect(list.allows(new URL('https://prom.example/'))).toBe(true);
    expect(list.allows(new URL('https://grafana.example/'))).toBe(true);
    expect(list.allows(new URL('http://grafana.example/'))).toBe(false);
    expect(list.allows(new URL('http://other.example:9090/'))).toBe(true);
    expect(list.allows(new URL('http://other.example/'))).toBe(false);
    expect(list.allows(new URL('http://[::1]:9090/'))).toBe(true);
  });

  it('matches whole host names only, and ignores a trailing dot and spaces in entries', () => {
    const list = new HostAllowList([' prom.example. ', 'edge.example.:8080']);
    expect(list.allows(new URL('http://prom.example/'))).toBe(true);
    expect(list.allows(new URL('http://prom.example./'))).toBe(true);
    expect(list.allows(new URL('http://edge.example:8080/'))).toBe(true);
    expect(list.allows(new URL('http://prom.example.evil.test/'))).toBe(false);
    expect(list.allows(new URL('http://evil-prom.example/'))).toBe(false);
  });

  it('allows nothing when empty', () => {
    expect(new HostAllowList([]).allows(new URL('http://127.0.0.1:9090/'))).toBe(false);
    expect(isHostAllowed('http://127.0.0.1:9090/', [])).toBe(false);
  });

  it('is also one call for a URL string', () => {
    expect(isHostAllowed('http://Prom.Example/', ['prom.example'])).toBe(true);
    expect(isHostAllowed(new URL('http://prom.example:9090/'), ['prom.example'])).toBe(false);
  });
});

describe('checkOutboundUrl', () => {
  const list = new HostAllowList(['prom.example:9090', 'grafana.example']);

  it('resolves the path against the base URL, keeping its path', () => {
    const checked = checkOutboundUrl('api/v1/query', 'https://grafana.example/api/datasources/proxy/uid/x/', list);
    expect('url' in checked && checked.url.href).toBe(
      'https://grafana.example/api/datasources/proxy/uid/x/api/v1/query'
    );
  });

  it('refuses what does not parse, other schemes and credentials in the URL', () => {
    expect(checkOutboundUrl('api/v1/query', 'not a url', list)).toMatchObject({ refused: 'invalid' });
    expect((checkOutboundUrl('x', '::', list) as { cause: unknown }).cause).toBeInstanceOf(TypeError);
    expect(checkOutboundUrl('x', 'ftp://prom.example:9090/', list)).toEqual({ refused: 'scheme' });
    expect(checkOutboundUrl('x', 'file:///etc/passwd', list)).toEqual({ refused: 'scheme' });
    expect(checkOutboundUrl('x', 'http://user:pw@prom.example:9090/', list)).toEqual({ refused: 'scheme' });
    expect(checkOutboundUrl('x', 'http://user@prom.example:9090/', list)).toEqual({ refused: 'scheme' });
  });

  it('names the refused host with its port', () => {
    expect(checkOutboundUrl('x', 'http://Elsewhere.example/', list)).toEqual({
      refused: 'host',
      host: 'elsewhere.example:80',
    });
    expect(checkOutboundUrl('x', 'http://prom.example:9091/', list)).toEqual({
      refused: 'host',
      host: 'prom.example:9091',
    });
  });

  it('checks the host of the resolved URL, not of the base', () => {
    expect(checkOutboundUrl('//elsewhere.example/x', 'http://grafana.example/', list)).toMatchObject({
      refused: 'host',
    });
    expect(checkOutboundUrl('http://prom.example:9090/x', 'http://grafana.example/', list)).toHaveProperty('url');
  });
});
