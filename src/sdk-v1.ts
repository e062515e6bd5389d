/**
 * `mcp-bearer-auth/sdk-v1`: for MCP servers on the TypeScript SDK v1 (`@modelcontextprotocol/sdk`).
 * Importing it once, anywhere in the project, adds this package's fields (issuer, subject,
 * audience, claims, resourceMetadataUrl) to the SDK's `AuthInfo`, so that tools read
 * `extra.authInfo.subject` without a cast. Nothing else: it has no run-time content.
 *
 * @example
 * import 'mcp-bearer-auth/sdk-v1';
 * server.registerTool('whoami', { description: 'Who am I?' }, (extra) => ({
 *   content: [{ type: 'text', text: `You are ${extra.authInfo?.subject}` }],
 * }));
 */
import type { AuthInfo as SdkAuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { AuthInfo } from './verify/auth-info.js';

declare module '@modelcontextprotocol/sdk/server/auth/types.js' {
  interface AuthInfo
    extends Pick<
      AuthInfoFields,
      'issuer' | 'subject' | 'audience' | 'claims' | 'resourceMetadataUrl' | 'tokenType' | 'jkt'
    > {}
}

/** This package's AuthInfo, under a name the augmentation above can refer to. */
type AuthInfoFields = AuthInfo;

/** The SDK's AuthInfo, with this package's fields added: what tools receive. */
export type { AuthInfo, SdkAuthInfo };
