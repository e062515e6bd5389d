/**
 * A throwaway authorization server for tests and local development: serves the OpenID Connect
 * and OAuth discovery documents and a JWK Set on 127.0.0.1, and mints access tokens.
 * It can also misbehave on request (500, garbage, hang, refuse) to test outages.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

export type TestIssuerAlg = 'RS256' | 'ES256' | 'PS256' | 'ES384' | 'EdDSA';

export interface TestIssuerOptions {
  alg?: TestIssuerAlg;
  /** Issuer path, e.g. '/oidc' gives `http://127.0.0.1:PORT/oidc`. Default: none. */
  path?: string;
  /** Port to listen on; default an ephemeral one. */
  port?: number;
  /** `aud` of minted tokens unless the builder sets one (usually your MCP server's resource URL). */
  audience?: string;
}

/** Shorthand for the builder, for the ready-made bad tokens. */
export interface TokenOptions {
  subject?: string;
  clientId?: string;
  scopes?: string[];
  audience?: string | string[];
  claims?: Record<string, unknown>;
}

/** How an endpoint answers: normally, or one of the ways servers fail. */
export type EndpointBehavior =
  | 'ok'
  | 'error'
  | 'garbage'
  | 'not-a-jwks'
  | 'hang'
  | 'reset'
  | 'slow'
  | 'oversized'
  | 'redirect-elsewhere';

interface SigningKey {
  kid: string;
  alg: TestIssuerAlg;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export class TestIssuer {
  /** Paths of every request received, in order: what reached the network. */
  readonly requests: string[] = [];
  readonly behavior: { metadata: EndpointBehavior; jwks: EndpointBehavior } = { metadata: 'ok', jwks: 'ok' };
  /** Extra fields merged into (or, with undefined, removed from) the discovery document. */
  metadataOverrides: Record<string, unknown> = {};
  private readonly keys: SigningKey[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server;
  private port = 0;

  private constructor(
    private readonly options: TestIssuerOptions,
    firstKey: SigningKey,
  ) {
    this.keys.push(firstKey);
    this.server = this.createHttpServer();
  }

  static async start(options: TestIssuerOptions = {}): Promise<TestIssuer> {
    const issuer = new TestIssuer(options, await createSigningKey(options.alg ?? 'RS256'));
    await issuer.listen(options.port ?? 0);
    return issuer;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get issuer(): string {
    return this.origin + (this.options.path ?? '');
  }
  get jwksUri(): string {
    return `${this.origin}/jwks`;
  }
  /** The key new tokens are signed with (the last one added). */
  get currentKid(): string {
    return (this.keys.at(-1) as SigningKey).kid;
  }

  /** The discovery document as served. */
  metadata(): Record<string, unknown> {
    const doc: Record<string, unknown> = {
      issuer: this.issuer,
      authorization_endpoint: `${this.origin}/authorize`,
      token_endpoint: `${this.origin}/token`,
      jwks_uri: this.jwksUri,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
      scopes_supported: ['openid'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [this.keys[0]?.alg],
      ...this.metadataOverrides,
    };
    for (const [k, v] of Object.entries(doc)) if (v === undefined) delete doc[k];
    return doc;
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  /** Adds a signing key (a rotation): new tokens use it; old keys stay published. */
  async rotateKey(alg: TestIssuerAlg = this.keys[0]?.alg ?? 'RS256'): Promise<string> {
    const key = await createSigningKey(alg);
    this.keys.push(key);
    return key.kid;
  }

  /** Stops publishing a key (tokens signed with it must stop verifying after a refresh). */
  removeKey(kid: string): void {
    const i = this.keys.findIndex((k) => k.kid === kid);
    if (i !== -1) this.keys.splice(i, 1);
  }

  /** A builder for an access token from this issuer. */
  token(options: TokenOptions = {}): TokenBuilder {
    const builder = new TokenBuilder(this);
    const audience = options.audience ?? this.options.audience;
    if (audience !== undefined) builder.audience(audience);
    if (options.subject !== undefined) builder.subject(options.subject);
    if (options.clientId !== undefined) builder.clientId(options.clientId);
    if (options.scopes !== undefined) builder.scopes(...options.scopes);
    for (const [name, value] of Object.entries(options.claims ?? {})) builder.claim(name, value);
    return builder;
  }

  /** A valid token from this issuer for an audience no resource uses. */
  wrongAudienceToken(options: TokenOptions = {}): Promise<string> {
    return this.token({ ...options, audience: 'https://wrong-audience.invalid/mcp' }).sign();
  }

  /** A token that names this issuer and its current `kid` but is signed with another key. */
  async badlySignedToken(options: TokenOptions = {}): Promise<string> {
    const impostor = await createSigningKey((this.keys.at(-1) as SigningKey).alg);
    const [header, payload] = (await this.token(options).sign()).split('.');
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: impostor.alg, kid: this.currentKid, typ: 'at+jwt' })
      .sign(impostor.privateKey);
    return `${header}.${payload}.${forged.split('.')[2]}`;
  }

  /** Signs exactly `payload` (no defaults) with the current key; `header` adds header parameters. */
  async sign(payload: JWTPayload, header: Record<string, unknown> = {}, kid = this.currentKid): Promise<string> {
    const key = this.keys.find((k) => k.kid === kid);
    if (!key) throw new Error(`no key ${kid}`);
    return new SignJWT(payload)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
      .sign(key.privateKey);
  }

  /** Closes the port: connections are refused until `restart()`. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  async restart(): Promise<void> {
    this.server = this.createHttpServer();
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.stop();
  }

  private async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  private createHttpServer(): Server {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    return server;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0] as string;
    this.requests.push(path);
    const issuerPath = this.options.path ?? '';
    const metadataPaths = [
      `${issuerPath}/.well-known/openid-configuration`,
      `/.well-known/openid-configuration${issuerPath}`,
      `/.well-known/oauth-authorization-server${issuerPath}`,
    ];
    if (metadataPaths.includes(path)) this.answer(res, this.behavior.metadata, this.metadata());
    else if (path === '/jwks') this.answer(res, this.behavior.jwks, this.jwks());
    else res.writeHead(404).end();
  }

  private answer(res: ServerResponse, behavior: EndpointBehavior, body: unknown): void {
    switch (behavior) {
      case 'ok':
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        return;
      case 'error':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' }).end('<html>not json');
        return;
      case 'not-a-jwks':
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ hello: 'world' }));
        return;
      case 'hang':
        return; // never answers; the client's timeout must end it
      case 'slow':
        // Answers, but after 1.5 s: longer than a short timeout, shorter than the default.
        setTimeout(() => this.answer(res, 'ok', body), 1500);
        return;
      case 'oversized':
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(`{"keys":[],"padding":"${'x'.repeat(2 * 1024 * 1024)}"}`);
        return;
      case 'redirect-elsewhere':
        res.writeHead(302, { location: 'http://127.0.0.2:9/jwks' }).end();
        return;
      case 'reset':
        res.socket?.destroy();
        return;
    }
  }
}

type Duration = number | `${number}${'s' | 'm' | 'h'}`;

function seconds(duration: Duration): number {
  if (typeof duration === 'number') return duration;
  const n = Number.parseFloat(duration);
  return duration.endsWith('h') ? n * 3600 : duration.endsWith('m') ? n * 60 : n;
}

/** Builds and signs an access token (the JWT access token profile's shape by default). */
export class TokenBuilder {
  private readonly payload: JWTPayload = {};
  private readonly header: Record<string, unknown> = {};
  private lifetime = 300;
  private kid: string | undefined;

  constructor(private readonly issuer: TestIssuer) {}

  subject(sub: string): this {
    this.payload.sub = sub;
    return this;
  }
  clientId(clientId: string): this {
    this.payload.client_id = clientId;
    return this;
  }
  scopes(...scopes: string[]): this {
    this.payload.scope = scopes.join(' ');
    return this;
  }
  audience(aud: string | string[]): this {
    this.payload.aud = aud;
    return this;
  }
  claim(name: string, value: unknown): this {
    this.payload[name] = value;
    return this;
  }
  expiresIn(duration: Duration): this {
    this.lifetime = seconds(duration);
    return this;
  }
  /** Expired well past any clock tolerance. */
  expired(): this {
    this.lifetime = -3600;
    return this;
  }
  headerParam(name: string, value: unknown): this {
    this.header[name] = value;
    return this;
  }
  signedWith(kid: string): this {
    this.kid = kid;
    return this;
  }

  async sign(): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = {
      iss: this.issuer.issuer,
      sub: 'test-user',
      client_id: 'test-client',
      iat: now,
      exp: now + this.lifetime,
      jti: randomUUID(),
      ...this.payload,
    };
    return this.issuer.sign(payload, this.header, this.kid);
  }
}

async function createSigningKey(alg: TestIssuerAlg): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}
