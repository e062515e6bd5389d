/**
 * `mcp-bearer-auth/sdk-v2`: for MCP servers on the TypeScript SDK v2 (`@modelcontextprotocol/server`
 * with `@modelcontextprotocol/express`). Importing it once, anywhere in the project, adds this
 * package's fields (issuer, subject, audience, claims) to the SDK's `AuthInfo`, so that handlers
 * read `ctx.http.authInfo.subject` (and `req.auth.subject`) without a cast. Nothing else: it has
 * no run-time content.
 *
 * @example
 * import 'mcp-bearer-auth/sdk-v2';
 * server.registerTool('whoami', { description: 'Who am I?' }, async (ctx) => ({
 *   content: [{ type: 'text', text: `You are ${ctx.http?.authInfo?.subject}` }],
 * }));
 */
import type { AuthInfo as SdkAuthInfo } from '@modelcontextprotocol/server';
import type { AuthInfo } from './verify/auth-info.js';

declare module '@modelcontextprotocol/server' {
  interface AuthInfo extends Pick<AuthInfoFields, 'issuer' | 'subject' | 'audience' | 'claims' | 'tokenType' | 'jkt'> {}
}

/** This package's AuthInfo, under a name the augmentation above can refer to. */
type AuthInfoFields = AuthInfo;

/** The SDK's AuthInfo, with this package's fields added: what tools receive. */
export type { AuthInfo, SdkAuthInfo };
