/**
 * `npm run demo` as a test: a real authorization server (oidc-provider), the todo-manager MCP
 * server protected by this library, and the official MCP SDK client, with no mocks.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../examples/demo/run-demo.js';
import { startDevAuthServer } from '../../examples/dev-auth-server/auth-server.js';
import { runDoctor } from '../../src/doctor.js';

describe.each(['v2', 'v1'] as const)('end to end with oidc-provider and the MCP SDK %s client and server', (sdk) => {
  it('authorizes, calls whoami, steps up for todo:write, and refuses a token for another resource', async () => {
    const result = await runDemo(() => {}, sdk);
    const kinds = result.events.map((e) => e.kind);
    // The discovery and authorization steps happened, in order, before the first call.
    expect(kinds.slice(0, kinds.indexOf('reconnect') + 1)).toEqual([
      'challenge',
      'metadata',
      'registered',
      'authorize',
      'code',
      'tokens',
      'reconnect',
    ]);
    expect(result.events[0]?.message).toMatch(
      /^401 Bearer resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp", scope="todo:read", DPoP resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp", scope="todo:read", algs="[^"]+"$/,
    );
    expect(result.whoami).toMatchObject({ subject: 'demo-user', scopes: ['todo:read'] });
    // Scenes 4 and 5 (v2): whoami and the step-up over DPoP, with the resource server's nonces
    // (the client meets use_dpop_nonce and retries) and without (it never does).
    if (sdk === 'v2') {
      const { withNonces, withoutNonces } = result.dpop ?? {};
      for (const scene of [withNonces, withoutNonces]) {
        expect(scene).toMatchObject({
          tokenType: 'DPoP',
          jkt: expect.stringMatching(/^[\w-]{43}$/),
          challengeScope: 'todo:write todo:read',
          todo: { text: 'over DPoP' },
        });
        expect(scene?.scopesAfter.sort()).toEqual(['todo:read', 'todo:write']);
        expect(scene?.jktAfter).toBe(scene?.jkt);
      }
      expect(withNonces?.nonceChallenges).toBeGreaterThan(0);
      expect(withoutNonces?.nonceChallenges).toBe(0);
      expect(withoutNonces?.jkt).not.toBe(withNonces?.jkt);
    } else expect(result.dpop).toBeUndefined();
    expect(result.whoami.clientId).not.toBe('');

    expect(result.stepUp.challengeScope).toBe('todo:write todo:read');
    expect(result.stepUp.scopesAfter.sort()).toEqual(['todo:read', 'todo:write']);
    expect(result.stepUp.todo).toMatchObject({ text: 'try mcp-bearer-auth' });

    expect(result.wrongAudience.status).toMatch(/^401 Bearer error="invalid_token", .*audience mismatch/);
    expect(result.wrongAudience.error).toMatch(/Unauthorized/);
  });

  it(`npm run demo${sdk === 'v1' ? ' -- --sdk v1' : ''} prints the flow and exits 0`, async () => {
    const args = ['--import', 'tsx', 'examples/demo/main.ts', ...(sdk === 'v1' ? ['--sdk', 'v1'] : [])];
    const { stdout } = await promisify(execFile)(process.execPath, args, { timeout: 60_000 });
    expect(stdout).toContain(`MCP SDK               ${sdk} server and client`);
    expect(stdout).toMatch(/whoami +subject=demo-user clientId=\S+ scopes=todo:read\n/);
    expect(stdout).toContain('step-up   403 insufficient_scope, step-up to scope "todo:write todo:read"');
    expect(stdout).toMatch(/whoami +scopes now todo:read todo:write/);
    expect(stdout).toContain('Demo complete');
    if (sdk === 'v2') {
      expect(stdout).toMatch(/whoami +tokenType=DPoP jkt=[\w-]{43} /);
      expect(stdout).toContain('then the same over DPoP, with nonces and without.');
    }
  });
});

describe('the dev authorization server', () => {
  it('doctor reports the dev authorization server as ready for MCP clients', async () => {
    const auth = await startDevAuthServer({ resources: { 'http://127.0.0.1:1/mcp': { scopes: ['a'] } } });
    try {
      const lines: string[] = [];
      expect(await runDoctor(['doctor', auth.issuer], (l) => lines.push(l))).toBe(0);
      expect(lines).toContain('  ok    PKCE with S256 advertised');
      expect(lines).toContain(`  ok    dynamic client registration at ${auth.issuer}/reg`);
      expect(lines.at(-1)).toBe('Ready for MCP clients.');
    } finally {
      await auth.close();
    }
  });
});
