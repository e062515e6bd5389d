/**
 * Synchronous DPoP proofs (a speed-up: src/verify/dpop-proof-sync.ts): a key jose has accepted is
 * remembered, and its later proofs are checked on this thread with the same verdict jose would
 * give; anything out of the ordinary is left to jose.
 */
import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, exportJWK, type JWK, jwtVerify, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { SyncProofVerifier } from '../../src/verify/dpop-proof-sync.js';

const ALLOWED = new Set(['ES256', 'EdDSA', 'RS256']);
const pairs = {
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  EdDSA: generateKeyPairSync('ed25519'),
  RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
};
const jwks: Record<string, JWK> = {};
beforeAll(async () => {
  for (const [alg, pair] of Object.entries(pairs)) jwks[alg] = await exportJWK(pair.publicKey);
});

function proof(alg: keyof typeof pairs, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) {
  return new SignJWT({
    jti: `j${Math.random()}`,
    htm: 'GET',
    htu: 'https://mcp.example.com/mcp',
    iat: Math.floor(Date.now() / 1000),
    ...claims,
  })
    .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk: jwks[alg], ...header })
    .sign(pairs[alg].privateKey);
}

describe('SyncProofVerifier', () => {
  it.each(Object.keys(pairs) as (keyof typeof pairs)[])(
    "%s: unknown keys are left to jose; a remembered key gives jose's verdict",
    async (alg) => {
      const sync = new SyncProofVerifier();
      const first = await proof(alg);
      expect(sync.verify(first, ALLOWED)).toBeUndefined();
      const { protectedHeader } = await jwtVerify(first, EmbeddedJWK, { typ: 'dpop+jwt' });
      const jkt = await calculateJwkThumbprint(protectedHeader.jwk as JWK);
      sync.remember(protectedHeader.jwk as JWK, alg, jkt);
      const next = await proof(alg, { htm: 'POST' });
      const here = sync.verify(next, ALLOWED);
      expect(here).toEqual({ payload: (await jwtVerify(next, EmbeddedJWK)).payload, jkt });
      // A bad signature is refused here, as jose would.
      const at = next.lastIndexOf('.') + 5;
      const forged = `${next.slice(0, at)}${next[at] === 'A' ? 'B' : 'A'}${next.slice(at + 1)}`;
      expect(() => sync.verify(forged, ALLOWED)).toThrow(expect.objectContaining({ code: 'invalid_dpop_proof' }));
      await expect(jwtVerify(forged, EmbeddedJWK)).rejects.toThrow();
    },
  );

  it('a typ spelt otherwise, an alg not allowed, or a key remembered for another alg: left to jose', async () => {
    const sync = new SyncProofVerifier();
    sync.remember(jwks.ES256 as JWK, 'ES256', 'jkt');
    expect(sync.verify(await proof('ES256', {}, { typ: 'application/dpop+jwt' }), ALLOWED)).toBeUndefined();
    const other = new SyncProofVerifier();
    other.remember(jwks.ES256 as JWK, 'ES384', 'jkt');
    expect(other.verify(await proof('ES256'), ALLOWED)).toBeUndefined();
    expect(sync.verify(await proof('ES256'), new Set(['EdDSA']))).toBeUndefined();
    expect(sync.verify(await proof('ES256'), ALLOWED)).toMatchObject({ jkt: 'jkt' });
  });
});
