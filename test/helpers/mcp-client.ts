import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** The official client of SDK generation `sdk`, connected to `endpoint` with a fixed bearer token. */
export async function connectWithToken(sdk: 'v1' | 'v2', endpoint: string, token: string) {
  const requestInit = { headers: { Authorization: `Bearer ${token}` } };
  if (sdk === 'v1') {
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(endpoint), { requestInit }));
    return client;
  }
  const client = new ClientV2({ name: 'test', version: '1.0.0' });
  await client.connect(new TransportV2(new URL(endpoint), { requestInit }));
  return client;
}
