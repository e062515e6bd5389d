/** Serves protected resource metadata documents (GET, HEAD, CORS preflight). */
import type { RequestHandler } from 'express';

export interface MetadataDocument {
  /** Path on this server, e.g. `/.well-known/oauth-protected-resource/mcp`. */
  path: string;
  /** The JSON document, serialised once. */
  json: string;
}

const ALLOWED_METHODS = 'GET, HEAD, OPTIONS';

export function createMetadataRouter(documents: readonly MetadataDocument[]): RequestHandler {
  const byPath = new Map(documents.map((d) => [d.path, { json: d.json, length: String(Buffer.byteLength(d.json)) }]));
  return (req, res, next) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const document = byPath.get(q === -1 ? url : url.slice(0, q));
    if (!document) return next();
    // A public document: any origin may read it (browser-based MCP clients discover through it).
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
      res.setHeader(
        'Access-Control-Allow-Headers',
        req.headers['access-control-request-headers'] || 'MCP-Protocol-Version',
      );
      res.setHeader('Access-Control-Max-Age', '86400');
      res.setHeader('Vary', 'Access-Control-Request-Headers');
      res.statusCode = 204;
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', ALLOWED_METHODS);
      res.statusCode = 405;
      res.end();
      return;
    }
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.setHeader('Content-Length', document.length);
    res.end(req.method === 'HEAD' ? undefined : document.json);
  };
}
