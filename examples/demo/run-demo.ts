/**
 * The whole MCP authorization flow with real parts and no browser: the dev authorization server
 * (oidc-provider), the todo-manager MCP server protected by mcp-bearer-auth, and the official
 * MCP SDK client with a headless OAuth provider.
 *
 * 1. whoami: 401 challenge -> protected resource metadata -> authorization server discovery ->
 *    dynamic registration -> PKCE authorization -> token for the resource -> reconnect -> call.
 * 2. add-todo needs todo:write, which the first token lacks: 403 insufficient_scope -> step-up
 *    authorization for the wider scope -> the call succeeds.
 * 3. A token issued for another resource is refused with 401, and the client reports it.
 * 4. (SDK v2) Scenes 1 and 2 over DPoP: a token bound to the client's key and a proof on every
 *    request, with the resource server's nonces (the client is told one and retries with it),
 * 5. and the same again against a server that issues no nonces.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MCPAuthConfig } from '../../src/index.js';
import { startDevAuthServer } from '../dev-auth-server/auth-server.js';
import {
  connectWithOAuth,
  connectWithOAuthV2,
  type HeadlessAuthEvent,
  HeadlessOAuthClientProvider,
  withStepUp,
} from '../dev-auth-server/headless-client.js';
import type { ServerSdk } from '../shared/streamable-http.js';
import { createTodoApp, TODO_SCOPES } from '../todo-manager/app.js';

/** What the demo needs of either SDK generation's client. */
interface McpClient {
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** The official client of `sdk`, authorized through `provider`: v2 with a v2 server, v1 with v1. */
async function connectClient(sdk: ServerSdk, url: URL, provider: HeadlessOAuthClientProvider) {
  const client = sdk === 'v1' ? await connectWithOAuth(url, provider) : await connectWithOAuthV2(url, provider);
  return { client, mcp: client as unknown as McpClient };
}

export interface DemoServers {
  /** The MCP endpoint (the resource identifier). */
  mcpUrl: string;
  issuer: string;
  /** A resource the authorization server knows but this MCP server is not. */
  otherResource: string;
  close(): Promise<void>;
}

/** Starts the dev authorization server and the todo-manager MCP server on 127.0.0.1. */
export async function startDemoServers(
  ports: { mcp?: number; auth?: number } = {},
  sdk: ServerSdk = 'v2',
  dpop?: MCPAuthConfig['dpop'],
): Promise<DemoServers> {
  const mcp = createServer();
  await listen(mcp, ports.mcp ?? 0);
  const origin = `http://127.0.0.1:${(mcp.address() as AddressInfo).port}`;
  const mcpUrl = `${origin}/mcp`;
  const otherResource = `${origin}/other-mcp`;
  const auth = await startDevAuthServer({
    port: ports.auth ?? 0,
    resources: { [mcpUrl]: { scopes: TODO_SCOPES }, [otherResource]: { scopes: TODO_SCOPES } },
  });
  mcp.on(
    'request',
    createTodoApp({ resource: mcpUrl, authorizationServers: [{ issuer: auth.issuer, type: 'oidc' }], sdk, dpop }),
  );
  return {
    mcpUrl,
    issuer: auth.issuer,
    otherResource,
    async close() {
      mcp.closeAllConnections();
      await new Promise<void>((resolve) => mcp.close(() => resolve()));
      await auth.close();
    },
  };
}

/** Scenes 1 and 2 over DPoP, as whoami saw them. */
export interface DpopScene {
  tokenType: string;
  jkt: string;
  /** `use_dpop_nonce` challenges the client met (and retried after). */
  nonceChallenges: number;
  /** The step-up challenge's scope, the todo added after it, and whoami's scopes then. */
  challengeScope: string | undefined;
  todo: { id: number; text: string };
  scopesAfter: string[];
  /** The key that signed the proofs after the step-up: the one the new token is bound to. */
  jktAfter: string;
}

export interface DemoResult {
  whoami: { subject: string; clientId: string; scopes: string[] };
  /** SDK v2 only: scenes 1 and 2 over DPoP, with the resource server's nonces and without. */
  dpop?: { withNonces: DpopScene; withoutNonces: DpopScene };
  stepUp: { challengeScope: string | undefined; scopesAfter: string[]; todo: { id: number; text: string } };
  wrongAudience: { status: string; error: string };
  events: HeadlessAuthEvent[];
}

type Log = (line: string) => void;

/** The demo with SDK `sdk` on both sides (default v2: protocol 2026-07-28). */
export async function runDemo(log: Log = () => {}, sdk: ServerSdk = 'v2'): Promise<DemoResult> {
  // DPoP nonces on: they apply to DPoP requests only, so scenes 1 to 3 (Bearer) do not see them.
  const servers = await startDemoServers({}, sdk, { nonce: { secret: randomBytes(32).toString('base64url') } });
  const clients: McpClient[] = [];
  try {
    log(`MCP SDK               ${sdk} server and client`);
    log(`MCP server            ${servers.mcpUrl}  (todo-manager, protected by mcp-bearer-auth)`);
    log(`authorization server  ${servers.issuer}  (oidc-provider, auto-approving dev setup)\n`);
    const events: HeadlessAuthEvent[] = [];
    const onEvent = (e: HeadlessAuthEvent) => {
      events.push(e);
      log(`  ${e.kind.padEnd(9)} ${e.message}`);
    };

    log('1. Connect and call whoami');
    const provider = new HeadlessOAuthClientProvider({ clientName: 'mcp-bearer-auth demo', onEvent });
    const { client: sdkClient, mcp: client } = await connectClient(sdk, new URL(servers.mcpUrl), provider);
    clients.push(client);
    const me = caller(await client.callTool({ name: 'whoami', arguments: {} }));
    const whoami = { subject: String(me.subject), clientId: String(me.clientId), scopes: me.scopes as string[] };
    log(`  whoami    subject=${whoami.subject} clientId=${whoami.clientId} scopes=${whoami.scopes.join(' ')}\n`);

    log('2. Call add-todo, which needs todo:write');
    const firstStepUp = events.length;
    const added = await withStepUp(sdkClient, provider, () =>
      client.callTool({ name: 'add-todo', arguments: { text: 'try mcp-bearer-auth' } }),
    );
    const todo = JSON.parse((added.content as { text: string }[])[0]?.text ?? '{}') as { id: number; text: string };
    const stepUpEvent = events.slice(firstStepUp).find((e) => e.kind === 'step-up');
    const after = caller(await client.callTool({ name: 'whoami', arguments: {} }));
    const stepUp = {
      challengeScope: stepUpEvent ? /"([^"]*)"/.exec(stepUpEvent.message)?.[1] : undefined,
      scopesAfter: after.scopes as string[],
      todo,
    };
    log(`  add-todo  ${JSON.stringify(todo)}`);
    log(`  whoami    scopes now ${stepUp.scopesAfter.join(' ')}\n`);

    log('3. A token issued for another resource');
    const wrong = new HeadlessOAuthClientProvider({
      onEvent,
      // Ask the authorization server for a token for another resource than this server.
      validateResourceURL: async () => new URL(servers.otherResource),
    });
    const firstWrong = events.length;
    let wrongAudience: DemoResult['wrongAudience'];
    try {
      clients.push((await connectClient(sdk, new URL(servers.mcpUrl), wrong)).mcp);
      throw new Error('a token for another resource was accepted');
    } catch (error) {
      const refused = events
        .slice(firstWrong)
        .filter((e) => e.kind === 'challenge' && e.message.includes('invalid_token'));
      if (refused.length === 0) throw error;
      wrongAudience = {
        status: refused[0]?.message ?? '',
        error: error instanceof Error ? error.message : String(error),
      };
      log(
        `  refused   the client reports: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`,
      );
    }
    let dpop: DemoResult['dpop'];
    if (sdk === 'v2') {
      log('4. Scenes 1 and 2 over DPoP: a token bound to the client key, a proof per request, and nonces');
      const withNonces = await dpopScene(servers.mcpUrl, events, onEvent, clients, log);
      log('5. The same against a server that issues no nonces');
      const plain = await startDemoServers({}, sdk);
      const plainClients: McpClient[] = [];
      try {
        const withoutNonces = await dpopScene(plain.mcpUrl, events, onEvent, plainClients, log);
        dpop = { withNonces, withoutNonces };
      } finally {
        for (const c of plainClients) await c.close().catch(() => {});
        await plain.close();
      }
    }
    return { whoami, stepUp, wrongAudience, dpop, events };
  } finally {
    for (const c of clients) await c.close().catch(() => {});
    await servers.close();
  }
}

/** whoami over DPoP, add-todo through its 403 and the step-up, whoami again. */
async function dpopScene(
  mcpUrl: string,
  events: HeadlessAuthEvent[],
  onEvent: (e: HeadlessAuthEvent) => void,
  clients: McpClient[],
  log: Log,
): Promise<DpopScene> {
  const first = events.length;
  const bound = new HeadlessOAuthClientProvider({ clientName: 'mcp-bearer-auth demo (DPoP)', onEvent, dpop: true });
  const { client: sdkClient, mcp: client } = await connectClient('v2', new URL(mcpUrl), bound);
  clients.push(client);
  const seen = caller(await client.callTool({ name: 'whoami', arguments: {} }));
  log(`  whoami    tokenType=${String(seen.tokenType)} jkt=${String(seen.jkt)} (the key that signed each proof)`);
  const added = await withStepUp(sdkClient, bound, () =>
    client.callTool({ name: 'add-todo', arguments: { text: 'over DPoP' } }),
  );
  const todo = caller(added) as { id: number; text: string };
  const after = caller(await client.callTool({ name: 'whoami', arguments: {} }));
  const stepUpEvent = events.slice(first).find((e) => e.kind === 'step-up');
  log(`  add-todo  ${JSON.stringify(todo)}`);
  log(`  whoami    tokenType=${String(after.tokenType)} scopes now ${(after.scopes as string[]).join(' ')}\n`);
  return {
    tokenType: String(seen.tokenType),
    jkt: String(seen.jkt),
    nonceChallenges: events.slice(first).filter((e) => e.message.includes('use_dpop_nonce')).length,
    challengeScope: stepUpEvent ? /"([^"]*)"/.exec(stepUpEvent.message)?.[1] : undefined,
    todo,
    scopesAfter: after.scopes as string[],
    jktAfter: String(after.jkt),
  };
}

function caller(result: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse((result.content as { text: string }[])[0]?.text ?? '{}') as Record<string, unknown>;
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
