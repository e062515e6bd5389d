import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Route = (req: IncomingMessage, res: ServerResponse, origin: string) => void;

/** A small HTTP server on 127.0.0.1 with per-path handlers; unknown paths are 404. */
export async function startRouteServer(routes: Record<string, Route> = {}) {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    requests.push(path);
    const route = routes[path];
    if (route) route(req, res, origin);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    routes,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const json =
  (body: unknown | ((origin: string) => unknown), status = 200): Route =>
  (_req, res, origin) => {
    const value = typeof body === 'function' ? (body as (o: string) => unknown)(origin) : body;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  };
