/**
 * The synchronous signature path (src/verify/jws-sync.ts) against jose itself: for every JWS
 * algorithm it takes, and for fuzzed headers, claims and signatures, whenever it gives a verdict
 * that verdict is jose's `jwtVerify` verdict, payload included. Keys and signatures are real.
 */
import { constants, createPublicKey, generateKeyPairSync, type JsonWebKey, type KeyObject, sign } from 'node:crypto';
import fc from 'fast-check';
import { base64url, createLocalJWKSet, exportJWK, type JWK, type JWTVerifyOptions, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { SyncJwsVerifier } from '../../src/verify/jws-sync.js';
import { createJwtFormat } from '../../src/verify/jwt.js';
import { ConfiguredKeySet, type KeySet } from '../../src/verify/keys.js';
import type { TokenFormat } from '../../src/verify/token-format.js';

const ISSUER = 'https://issuer.example.com';
const AUDIENCE = 'https://api.example.com/mcp';
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = Number(process.env.FUZZ_SEED ?? 20261122);

interface Signer {
  alg: string;
  kid: string;
  privateKey: KeyObject;
  jwk: JWK;
}

/** The key pair each algorithm is tested with (RSA 2048: jose refuses shorter keys). */
function keyPairFor(alg: string) {
  if (alg.startsWith('RS') || alg.startsWith('PS')) return generateKeyPairSync('rsa', { modulusLength: 2048 });
  if (alg === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' });
  if (alg === 'ES384') return generateKeyPairSync('ec', { namedCurve: 'P-384' });
  if (alg === 'ES512') return generateKeyPairSync('ec', { namedCurve: 'P-521' });
  return generateKeyPairSync('ed25519');
}

/** Signs any header and payload as given (jose's SignJWT would refuse the odd ones). */
function signCompact(signer: Signer, header: unknown, payload: unknown): string {
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}`;
  const { alg } = signer;
  const digest = alg.startsWith('Ed') ? null : `sha${alg.slice(-3)}`;
  const key = alg.startsWith('ES')
    ? { key: signer.privateKey, dsaEncoding: 'ieee-p1363' as const }
    : alg.startsWith('PS')
      ? { key: signer.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(-3)) / 8 }
      : signer.privateKey;
  return `${input}.${base64url.encode(sign(digest, Buffer.from(input), key))}`;
}

const ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
const signers: Signer[] = [];
let getKey: ReturnType<typeof createLocalJWKSet>;
const options = (extra: JWTVerifyOptions = {}): JWTVerifyOptions => ({
  issuer: ISSUER,
  audience: AUDIENCE,
  algorithms: ALGS,
  requiredClaims: ['exp'],
  clockTolerance: 5,
  ...extra,
});

beforeAll(async () => {
  for (const [i, alg] of ALGS.entries()) {
    const { publicKey, privateKey } = keyPairFor(alg);
    const jwk = { ...(await exportJWK(publicKey)), kid: `k${i}`, alg, use: 'sig' };
    signers.push({ alg, kid: `k${i}`, privateKey, jwk });
  }
  getKey = createLocalJWKSet({ keys: signers.map((s) => s.jwk) });
});

type Verdict = { ok: true; payload: unknown } | { ok: false };

async function joseVerdict(token: string, opts: JWTVerifyOptions): Promise<Verdict> {
  try {
    return { ok: true, payload: (await jwtVerify(token, getKey, opts)).payload };
  } catch {
    return { ok: false };
  }
}

/** undefined: left to jose. */
function syncVerdict(jws: SyncJwsVerifier, token: string, opts: JWTVerifyOptions): Verdict | undefined {
  try {
    const payload = jws.verify(token, getKey, new Set(opts.algorithms), opts);
    return payload === undefined ? undefined : { ok: true, payload };
  } catch {
    return { ok: false };
  }
}

/** A verifier that has seen jose choose every key once, as after each key's first token. */
async function primed(): Promise<SyncJwsVerifier> {
  const jws = new SyncJwsVerifier();
  for (const signer of signers) {
    const token = signCompact(signer, { alg: signer.alg, kid: signer.kid }, validClaims());
    const { protectedHeader, key } = await jwtVerify(token, getKey, options());
    jws.remember(getKey, protectedHeader, key);
  }
  return jws;
}

const now = () => Math.floor(Date.now() / 1000);
const validClaims = () => ({ iss: ISSUER, aud: AUDIENCE, sub: 'u', exp: now() + 600, iat: now(), scope: 'read' });

/** The usual value most of the time, so that the odd ones meet a token that is otherwise fine. */
const mostly = <T>(usual: T, ...odd: unknown[]) =>
  fc.oneof(
    { arbitrary: fc.constant(usual), weight: 6 },
    { arbitrary: fc.constantFrom(...odd) as fc.Arbitrary<T>, weight: 1 },
  );

function corrupt(token: string, at: number): string {
  const i = token.lastIndexOf('.') + 1 + (at % (token.length - token.lastIndexOf('.') - 1));
  return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
}

describe('synchronous JWS verification agrees with jose', () => {
  it('knows nothing until jose has chosen a key: every token is left to jose', async () => {
    const jws = new SyncJwsVerifier();
    const signer = signers[0] as Signer;
    const token = signCompact(signer, { alg: signer.alg, kid: signer.kid }, validClaims());
    expect(syncVerdict(jws, token, options())).toBeUndefined();
  });

  it.each(ALGS)('%s: a valid token is accepted with jose’s payload; a bad signature is refused', async (alg) => {
    const jws = await primed();
    const signer = signers.find((s) => s.alg === alg) as Signer;
    const token = signCompact(signer, { alg, kid: signer.kid, typ: 'at+jwt' }, validClaims());
    const reference = await joseVerdict(token, options());
    expect(reference.ok).toBe(true);
    expect(syncVerdict(jws, token, options())).toEqual(reference);
    for (const at of [0, 7, 30]) {
      const bad = corrupt(token, at);
      expect(await joseVerdict(bad, options())).toEqual({ ok: false });
      expect(() => jws.verify(bad, getKey, new Set(ALGS), options())).toThrow(
        expect.objectContaining({ code: 'invalid_signature' }),
      );
    }
  });

  it('a key is used only for the alg and kid jose chose it for', async () => {
    const jws = await primed();
    const es256 = signers.find((s) => s.alg === 'ES256') as Signer;
    const rs256 = signers.find((s) => s.alg === 'RS256') as Signer;
    // RS256 under the ES256 key's kid: jose finds no key (kty differs); so must we (left to jose).
    const crossed = signCompact(rs256, { alg: 'RS256', kid: es256.kid }, validClaims());
    expect(await joseVerdict(crossed, options())).toEqual({ ok: false });
    expect(syncVerdict(jws, crossed, options())).toBeUndefined();
    // An alg the route does not allow is never checked here.
    const token = signCompact(es256, { alg: 'ES256', kid: es256.kid }, validClaims());
    expect(syncVerdict(jws, token, options({ algorithms: ['RS256'] }))).toBeUndefined();
  });

  it('fuzzed headers, claims and signatures: the same verdict as jose whenever one is given', async () => {
    const jws = await primed();
    let decided = 0;
    let accepted = 0;
    const claimValue = fc.oneof(
      fc.constant(undefined),
      fc.integer({ min: -10, max: 10 }).map((d) => now() + d * 60),
      fc.integer({ min: -10, max: 10 }).map((d) => now() + d),
      fc.constantFrom('soon', null, 1e300, -1, 0.5, [], {}),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          signer: fc.integer({ min: 0, max: signers.length - 1 }),
          alg: mostly(undefined, ...ALGS, 'none', 'HS256', 'rs256', ''),
          kid: mostly('same', undefined, 'k0', 'k6', 'nope', 3, null, ''),
          typ: fc.constantFrom(undefined, 'at+jwt', 'JWT', 'application/at+jwt', 7),
          crit: mostly(undefined, ['b64'], ['exp'], []),
          b64: mostly(undefined, true, false),
          iss: mostly(ISSUER, 'https://evil.example.com', undefined, 5),
          aud: mostly(AUDIENCE, [AUDIENCE, 'x'], ['x'], 'x', undefined, [1]),
          exp: fc.oneof({ arbitrary: fc.constant(now() + 600), weight: 2 }, { arbitrary: claimValue, weight: 1 }),
          nbf: claimValue,
          iat: claimValue,
          wantTyp: fc.constantFrom(undefined, 'at+jwt'),
          damage: mostly(
            'none',
            'flip',
            'truncate',
            'extend',
            'pad',
            'illegal',
            'empty',
            'swap-payload',
            'non-ascii',
            'extra-part',
            'leading-dot',
            'trailing-dot',
          ),
          at: fc.nat(),
        }),
        async (c) => {
          const signer = signers[c.signer] as Signer;
          const header: Record<string, unknown> = { alg: c.alg ?? signer.alg };
          if (c.kid !== undefined) header.kid = c.kid === 'same' ? signer.kid : c.kid;
          for (const name of ['typ', 'crit', 'b64'] as const) if (c[name] !== undefined) header[name] = c[name];
          const payload: Record<string, unknown> = { sub: 'u', scope: 'read' };
          for (const name of ['iss', 'aud', 'exp', 'nbf', 'iat'] as const)
            if (c[name] !== undefined) payload[name] = c[name];
          let token = signCompact(signer, header, payload);
          const sig = token.lastIndexOf('.') + 1;
          if (c.damage === 'flip') token = corrupt(token, c.at);
          if (c.damage === 'truncate') token = token.slice(0, sig + Math.max(0, token.length - sig - 1 - (c.at % 8)));
          if (c.damage === 'extend') token = `${token}${'AQ'.repeat(1 + (c.at % 3))}`;
          if (c.damage === 'pad') token = `${token}=`;
          if (c.damage === 'illegal') token = `${token.slice(0, sig)}+/${token.slice(sig + 2)}`;
          if (c.damage === 'empty') token = token.slice(0, sig);
          if (c.damage === 'non-ascii') token = `${token.slice(0, sig - 3)}é${token.slice(sig - 2)}`;
          if (c.damage === 'extra-part') token = `${token}.${token.slice(sig)}`;
          if (c.damage === 'leading-dot') token = `.${token}`;
          if (c.damage === 'trailing-dot') token = `${token}.`;
          if (c.damage === 'swap-payload') {
            const other = signCompact(signer, header, validClaims());
            token = `${other.slice(0, other.lastIndexOf('.'))}${token.slice(sig - 1)}`;
          }
          const opts = options(c.wantTyp ? { typ: c.wantTyp } : {});
          const ours = syncVerdict(jws, token, opts);
          if (ours === undefined) return;
          decided++;
          if (ours.ok) accepted++;
          expect(ours).toEqual(await joseVerdict(token, opts));
        },
      ),
      { numRuns: RUNS * 4, seed: SEED },
    );
    // The property must have exercised the synchronous path, both ways.
    expect(decided).toBeGreaterThan(RUNS);
    expect(accepted).toBeGreaterThan(0);
  });
});

/**
 * The JWT format as the middleware builds it, over configured keys, with the synchronous path and
 * without batching (which would defer every answer): what it answers at once before and after jose.
 */
function jwtVerifierOver(keys: KeySet, algorithms: string[]) {
  const format = createJwtFormat(
    { issuers: new Map([[ISSUER, { keySet: async () => keys, algorithms }]]), clockTolerance: 0 },
    { synchronousSignatures: () => new SyncJwsVerifier() },
  );
  return {
    verify: async (token: string) => (await format.verify(token)).claims,
    verifySync: (token: string) => answeredAtOnce(format, token),
  };
}

/** The claims when the format answered synchronously; undefined when it returned a promise (jose's path). */
function answeredAtOnce(format: TokenFormat, token: string) {
  const answer = format.verify(token);
  if (!(answer instanceof Promise)) return answer.claims;
  answer.catch(() => {});
  return undefined;
}

describe('the JWT format answers at once with the synchronous path', () => {
  const es256 = () => signers.find((s) => s.alg === 'ES256') as Signer;

  it('a JWK without kid, tokens without kid: the second token is verified synchronously', async () => {
    const { kid: _omitted, ...jwk } = es256().jwk;
    const verifier = jwtVerifierOver(ConfiguredKeySet.fromJwks({ keys: [jwk] }), ['ES256']);
    const token = () => signCompact(es256(), { alg: 'ES256' }, validClaims());
    expect(verifier.verifySync(token())).toBeUndefined(); // jose has not chosen a key yet
    await verifier.verify(token());
    expect(verifier.verifySync(token())).toMatchObject({ iss: ISSUER });
    // A kid the JWK does not have is jose's to refuse.
    expect(verifier.verifySync(signCompact(es256(), { alg: 'ES256', kid: 'x' }, validClaims()))).toBeUndefined();
  });

  it('several keys match a token without kid: jose tries each, and no key is remembered for it', async () => {
    const other = keyPairFor('ES256');
    const jwks = {
      keys: [es256().jwk, { ...(await exportJWK(other.publicKey)), alg: 'ES256' }].map(({ kid: _k, ...k }) => k),
    };
    const verifier = jwtVerifierOver(ConfiguredKeySet.fromJwks(jwks), ['ES256']);
    const token = () => signCompact(es256(), { alg: 'ES256' }, validClaims());
    await expect(verifier.verify(token())).resolves.toMatchObject({ iss: ISSUER });
    expect(verifier.verifySync(token())).toBeUndefined();
  });

  it('a configured PEM public key: verified synchronously after the first token; a bad signature is refused', async () => {
    const signer = signers.find((s) => s.alg === 'RS256') as Signer;
    const pem = createPublicKey({ key: signer.jwk as JsonWebKey, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    const verifier = jwtVerifierOver(ConfiguredKeySet.fromPublicKey(pem), ['RS256']);
    const token = () => signCompact(signer, { alg: 'RS256', kid: 'whatever' }, validClaims());
    await verifier.verify(token());
    expect(verifier.verifySync(token())).toMatchObject({ iss: ISSUER });
    expect(() => verifier.verifySync(corrupt(token(), 3))).toThrow(
      expect.objectContaining({ code: 'invalid_signature' }),
    );
  });

  it('one trusted issuer: a well-signed token naming another issuer is refused, synchronously', async () => {
    const verifier = jwtVerifierOver(ConfiguredKeySet.fromJwks({ keys: [es256().jwk] }), ['ES256']);
    await verifier.verify(signCompact(es256(), { alg: 'ES256', kid: es256().kid }, validClaims()));
    const foreign = signCompact(
      es256(),
      { alg: 'ES256', kid: es256().kid },
      { ...validClaims(), iss: 'https://evil.example.com' },
    );
    expect(() => verifier.verifySync(foreign)).toThrow(expect.objectContaining({ code: 'unknown_issuer' }));
  });
});
