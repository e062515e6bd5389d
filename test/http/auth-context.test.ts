import { describe, expect, it } from 'vitest';
import { getAuthInfo, MCPAuth, MCPAuthError } from '../../src/index.js';

describe('getAuthInfo() is opt-in', () => {
  it('explains itself until a bearerAuth enables it, then answers undefined outside a request', () => {
    expect(() => getAuthInfo()).toThrow(MCPAuthError);
    expect(() => getAuthInfo()).toThrow(
      'getAuthInfo() needs bearerAuth(…, { authContext: true }) on the routes that use it',
    );
    const mcpAuth = new MCPAuth({
      protectedResources: {
        metadata: {
          resource: 'https://a.example/mcp',
          authorizationServers: [{ issuer: 'https://b.example', type: 'oidc' }],
        },
      },
    });
    mcpAuth.bearerAuth('jwt');
    expect(() => getAuthInfo()).toThrow(MCPAuthError);
    mcpAuth.bearerAuth('jwt', { authContext: true });
    expect(getAuthInfo()).toBeUndefined();
  });
});
