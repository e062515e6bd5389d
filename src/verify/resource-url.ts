/**
 * `req.auth.resource`: one URL per route, shared by every request it accepts. Building a URL
 * for each request was the largest cost of a cached token (4.6 µs of CPU per request in a
 * loaded Express server, docs/performance.md), and a shared one must not be changeable by one
 * request's handler under another's feet: its setters throw, like the frozen `claims`,
 * `scopes` and `audience` beside it.
 */

const PARTS = ['href', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash'];

export class ResourceURL extends URL {
  constructor(resource: string) {
    super(resource);
    Object.freeze(this);
  }
}

// A copy: changing it leaves this URL as it is.
Object.defineProperty(ResourceURL.prototype, 'searchParams', {
  get(this: URL) {
    return new URLSearchParams(this.search);
  },
  enumerable: true,
  configurable: true,
});

for (const part of PARTS) {
  const { get } = Object.getOwnPropertyDescriptor(URL.prototype, part) as PropertyDescriptor;
  Object.defineProperty(ResourceURL.prototype, part, {
    get,
    set() {
      throw new TypeError(
        `req.auth.resource is shared by every request and cannot be changed (${part}); copy it first: new URL(req.auth.resource)`,
      );
    },
    enumerable: true,
    configurable: true,
  });
}
