/**
 * DPoP end to end with real parts: oidc-provider (its DPoP feature) issues tokens bound to the
 * official v2 client's key, and the client presents them with the DPoP scheme and a fresh proof
 * per request to the todo-manager server protected by mcp-bearer-auth. 401 -> discovery ->
 * a bound token -> whoami over DPoP -> 403 step-up -> whoami with the wider scope; the same with
 * resource-server nonces on, where the client retries on `use_dpop_nonce`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type DemoServers, startDemoServers } from '../../examples/demo/run-demo.js';
import {
  connectWithOAuthV2,
  HeadlessOAuthClientProvider,
  withStepUp,
} from '../../examples/dev-auth-server/headless-client.js';

let servers: DemoServers | undefined;
afterEach(async () => {
  await servers?.close();
  servers = undefined;
});

const caller = (result: unknown) =>
  JSON.parse((result as { content: { text: string }[] }).content[0]?.text ?? '{}') as Record<string, unknown>;

describe.each([
  ['without nonces', undefined],
  ['with resource-server nonces', { nonce: { secret: 'an-e2e-secret-of-at-least-32-characters' } }],
])('the v2 client over DPoP, %s', (_name, dpop) => {
  it('authorizes, calls whoami with a bound token, steps up, and calls again', async () => {
    servers = await startDemoServers({}, 'v2', dpop);
    const seen: string[] = [];
    const provider = new HeadlessOAuthClientProvider({
      dpop: true,
      onEvent: (e) => seen.push(`${e.kind} ${e.message}`),
    });
    const client = await connectWithOAuthV2(new URL(servers.mcpUrl), provider);
    try {
      expect(provider.tokens()?.token_type).toMatch(/^dpop$/i);
      const me = caller(await client.callTool({ name: 'whoami', arguments: {} }));
      expect(me).toMatchObject({ authenticated: true, tokenType: 'DPoP', scopes: ['todo:read'] });
      expect(me.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const added = await withStepUp(client, provider, () =>
        client.callTool({ name: 'add-todo', arguments: { text: 'over DPoP' } }),
      );
      expect(caller(added)).toMatchObject({ text: 'over DPoP' });
      const after = caller(await client.callTool({ name: 'whoami', arguments: {} }));
      expect(after).toMatchObject({ tokenType: 'DPoP', jkt: me.jkt });
      expect(after.scopes).toEqual(expect.arrayContaining(['todo:read', 'todo:write']));
      // The first request had no credentials: both challenges, each with resource_metadata.
      const log = seen.join('\n');
      expect(log).toMatch(/Bearer resource_metadata="[^"]+".*DPoP resource_metadata="[^"]+"/);
      // With nonces on, the client met use_dpop_nonce and retried with the nonce it was given.
      if (dpop) expect(log).toContain('use_dpop_nonce');
    } finally {
      await client.close();
    }
  });
});
