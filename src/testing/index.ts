/**
 * `mcp-bearer-auth/testing`: what you need to test your own protected MCP server. A throwaway
 * issuer on 127.0.0.1 (OpenID Connect and OAuth discovery documents, a JWK Set) that mints
 * access tokens, plus the usual bad ones. For tests only.
 */
import { TestIssuer, type TestIssuerOptions } from './test-issuer.js';

export {
  type EndpointBehavior,
  TestIssuer,
  type TestIssuerAlg,
  type TestIssuerOptions,
  TokenBuilder,
  type TokenOptions,
} from './test-issuer.js';

/** Starts a test issuer; `await issuer.close()` when done. */
export function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  return TestIssuer.start(options);
}
