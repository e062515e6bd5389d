/**
 * Runs the whoami example. With ISSUER unset it starts a local issuer on 127.0.0.1, mints a
 * token, and shows a call without it (401) and with it (whoami answers); then it keeps serving
 * so you can try the printed curl commands. `--once` exits after the demonstration.
 *
 *   ISSUER=https://your-tenant.example.com/ RESOURCE=https://your.host/mcp npm run example
 *
 * MCP SDK v2 server and client by default; `--sdk v1` runs the v1 server and client.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { AuthServerEntry } from '../../src/index.js';
import { TestIssuer } from '../../src/testing/test-issuer.js';
import { createWhoamiApp } from './app.js';

const once = process.argv.includes('--once');
const sdk = process.argv.includes('v1') ? 'v1' : 'v2';
const port = Number(process.env.PORT ?? 3001);

const server = createServer();
await new Promise<void>((resolve, reject) => {
  server.once('error', (error: NodeJS.ErrnoException) => {
    // The default port is taken: any free one will do for a demo.
    if (error.code === 'EADDRINUSE' && !process.env.PORT) server.listen(0, '127.0.0.1', resolve);
    else reject(error);
  });
  server.listen(port, '127.0.0.1', resolve);
});
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const resource = process.env.RESOURCE ?? `${origin}/mcp`;

const localIssuer = process.env.ISSUER ? undefined : await TestIssuer.start();
const issuer = process.env.ISSUER || (localIssuer as TestIssuer).issuer;
const authorizationServers: AuthServerEntry[] = [
  { issuer, type: process.env.ISSUER_TYPE === 'oauth' ? 'oauth' : 'oidc' },
];

server.on('request', createWhoamiApp({ resource, authorizationServers, sdk }));
const endpoint = `${origin}/mcp`;
console.log(`whoami MCP server: ${endpoint} (MCP SDK ${sdk})`);
console.log(`protected resource metadata: ${origin}/.well-known/oauth-protected-resource/mcp`);
console.log(`authorization server: ${issuer}${localIssuer ? ' (local, started for this demo)' : ''}\n`);

const toolCall = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'whoami', arguments: {} },
});
const curl = (token?: string) =>
  [
    `curl -i -X POST ${endpoint}`,
    `  -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream'`,
    ...(token ? [`  -H 'Authorization: Bearer ${token}'`] : []),
    `  -d '${toolCall}'`,
  ].join(' \\\n');

// 1. Without a token: 401 and the challenge that tells MCP clients where to get one.
const anonymous = await fetch(endpoint, {
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
  body: toolCall,
});
console.log('--- without a token ---');
console.log(`HTTP ${anonymous.status}`);
console.log(`WWW-Authenticate: ${anonymous.headers.get('www-authenticate')}\n`);

let failed = anonymous.status !== 401;
if (localIssuer) {
  // 2. With a token minted by the local issuer for this resource: the whoami tool answers.
  const token = await localIssuer
    .token()
    .subject('demo-user')
    .clientId('demo-client')
    .scopes('mcp:read')
    .audience(resource)
    .expiresIn('1h')
    .sign();
  const requestInit = { headers: { Authorization: `Bearer ${token}` } };
  const info = { name: 'whoami-demo', version: '1.0.0' };
  const client = sdk === 'v1' ? new Client(info) : new ClientV2(info);
  if (client instanceof Client)
    await client.connect(new StreamableHTTPClientTransport(new URL(endpoint), { requestInit }));
  else await client.connect(new TransportV2(new URL(endpoint), { requestInit }));
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  await client.close();
  console.log(`--- with a token (official MCP SDK ${sdk} client) ---`);
  const text = ((result as { content?: { text?: string }[] }).content ?? [])[0]?.text ?? '';
  console.log(`whoami says:\n${text}\n`);
  failed ||= !text.includes('"subject": "demo-user"');
  console.log('Try it yourself (the token is valid for an hour):\n');
  console.log(`${curl()}\n`);
  console.log(`${curl(token)}\n`);
} else {
  console.log('Call the tool with a token from your authorization server, issued for', resource);
  console.log(`${curl('<access token>')}\n`);
}

if (once || failed) {
  server.closeAllConnections();
  server.close();
  await localIssuer?.close();
  if (failed) console.error('The demonstration did not go as expected.');
  process.exitCode = failed ? 1 : 0;
} else {
  console.log('Serving. Press Ctrl-C to stop.');
  process.on('SIGINT', () => process.exit(0));
}
