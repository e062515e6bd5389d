/** The shared `req.auth.resource`: reads like any URL, refuses every change. */
import { describe, expect, it } from 'vitest';
import { ResourceURL } from '../../src/verify/resource-url.js';

/** Every part of a URL that has a setter. */
const PARTS = [
  'href',
  'protocol',
  'username',
  'password',
  'host',
  'hostname',
  'port',
  'pathname',
  'search',
  'hash',
] as const;

describe('ResourceURL', () => {
  const url = new ResourceURL('https://api.example.com:8443/mcp?v=2');

  it('reads, serialises and copies like the URL it was built from', () => {
    const plain = new URL('https://api.example.com:8443/mcp?v=2');
    for (const part of [...PARTS, 'origin'] as const) {
      expect(url[part], part).toBe(plain[part]);
    }
    expect(url).toBeInstanceOf(URL);
    expect(String(url)).toBe(plain.href);
    expect(JSON.stringify({ resource: url })).toBe(JSON.stringify({ resource: plain }));
    expect(url.searchParams.get('v')).toBe('2');
    expect(new URL(url).href).toBe(plain.href);
  });

  it('throws on every setter, naming the part and how to copy', () => {
    for (const part of PARTS) {
      expect(() => {
        (url as unknown as Record<string, string>)[part] = 'x';
      }, part).toThrow(new RegExp(`cannot be changed \\(${part}\\); copy it first: new URL`));
    }
    expect(url.href).toBe('https://api.example.com:8443/mcp?v=2');
  });

  it('hands out searchParams as a copy, and takes no new properties', () => {
    url.searchParams.append('tenant', 'other');
    url.searchParams.delete('v');
    expect(url.search).toBe('?v=2');
    expect(() => {
      (url as unknown as Record<string, unknown>).extra = 1;
    }).toThrow(TypeError);
  });
});
