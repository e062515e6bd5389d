import type { Server } from 'node:http';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with headers exactly as given, duplicates included (supertest merges them). */
export function rawRequest(server: Server, path: string, rawHeaders: string[]): Promise<RawResponse> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'GET', headers: ['Host', `127.0.0.1:${port}`, ...rawHeaders] },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export async function listen(app: (req: never, res: never) => void): Promise<Server> {
  const { createServer } = await import('node:http');
  const server = createServer(app as never);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return server;
}

export function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * Several GET requests written to one connection at once (HTTP/1.1 pipelining): the server
 * reads them in one go, so they reach the middleware in the same turn of the event loop.
 * Resolves to the responses in order.
 */
export async function pipelinedRequests(
  server: Server,
  path: string,
  authorizations: string[],
): Promise<RawResponse[]> {
  const { connect } = await import('node:net');
  const { port } = server.address() as AddressInfo;
  const wire = authorizations
    .map((a) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${a}\r\n\r\n`)
    .join('');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(wire));
    let received = '';
    const responses: RawResponse[] = [];
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('data', (chunk: string) => {
      received += chunk;
      // Each response: status line, headers, then a body of exactly Content-Length bytes (ASCII JSON here).
      for (;;) {
        const end = received.indexOf('\r\n\r\n');
        if (end === -1) break;
        const head = received.slice(0, end).split('\r\n');
        const headers: Record<string, string> = {};
        for (const line of head.slice(1)) {
          const colon = line.indexOf(':');
          headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
        }
        const length = Number(headers['content-length'] ?? 0);
        if (received.length < end + 4 + length) break;
        responses.push({
          status: Number(head[0]?.split(' ')[1]),
          headers,
          body: received.slice(end + 4, end + 4 + length),
        });
        received = received.slice(end + 4 + length);
      }
      if (responses.length === authorizations.length) {
        socket.end();
        resolve(responses);
      }
    });
  });
}
