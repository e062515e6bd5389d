/**
 * Type-level checks in this repository's own program, enforced by `tsc --noEmit` in `npm test`
 * (consumer projects with one SDK, both or neither are checked in test/package/): with the
 * sdk-v1 and sdk-v2 entries in the program, both SDKs' AuthInfo carry this package's fields and
 * equal its own AuthInfo, and `req.auth` is that type even with the v1 SDK's own bearer
 * middleware (which declares `req.auth` too) imported.
 */

import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { AuthInfo as V1AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { AuthInfo as V2AuthInfo } from '@modelcontextprotocol/server';
import type { Request } from 'express';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { AuthInfo } from '../src/index.js';
import '../src/sdk-v1.js';
import '../src/sdk-v2.js';

describe('types', () => {
  it('AuthInfo equals both SDKs’ AuthInfo once augmented, and is req.auth', () => {
    expectTypeOf<AuthInfo>().toEqualTypeOf<V1AuthInfo>();
    expectTypeOf<AuthInfo>().toEqualTypeOf<V2AuthInfo>();
    expectTypeOf<Request['auth']>().toEqualTypeOf<AuthInfo | undefined>();
    expectTypeOf<AuthInfo['issuer']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<AuthInfo['audience']>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<AuthInfo['claims']>().toEqualTypeOf<Record<string, unknown> | undefined>();
    expectTypeOf<AuthInfo['resourceMetadataUrl']>().toEqualTypeOf<string | undefined>();
    const fromUs: AuthInfo = { token: 't', clientId: 'c', scopes: [], issuer: 'https://a.example', subject: 's' };
    const toV1: V1AuthInfo = fromUs;
    const toV2: V2AuthInfo = fromUs;
    expect(toV1.subject).toBe('s');
    expect(toV2.subject).toBe('s');
    expect(typeof requireBearerAuth).toBe('function');
  });
});
