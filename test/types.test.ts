/**
 * Type-level checks, enforced by `tsc --noEmit` in `npm test`: `req.auth` is one type whether
 * or not the SDK's own bearer middleware (which declares `req.auth` too) is also imported.
 */

import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { AuthInfo as SdkAuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Request } from 'express';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { AuthInfo } from '../src/index.js';

describe('types', () => {
  it('req.auth is the SDK AuthInfo, with issuer, subject, audience and claims', () => {
    expectTypeOf<Request['auth']>().toEqualTypeOf<SdkAuthInfo | undefined>();
    expectTypeOf<AuthInfo>().toEqualTypeOf<SdkAuthInfo>();
    expectTypeOf<AuthInfo['issuer']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<AuthInfo['audience']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<AuthInfo['claims']>().toEqualTypeOf<Record<string, unknown> | undefined>();
    const fromUs: AuthInfo = { token: 't', clientId: 'c', scopes: [], issuer: 'https://a.example', subject: 's' };
    const toSdk: SdkAuthInfo = fromUs;
    expect(toSdk.subject).toBe('s');
    expect(typeof requireBearerAuth).toBe('function');
  });
});
