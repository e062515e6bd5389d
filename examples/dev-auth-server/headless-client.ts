/**
 * A headless OAuth client for the official MCP SDK clients, v2 (`@modelcontextprotocol/client`)
 * and v1 (`@modelcontextprotocol/sdk`): an `OAuthClientProvider` that keeps everything in memory
 * and "opens the browser" by following the authorization server's redirects with fetch, which
 * works against an authorization server that approves by itself (like ./auth-server.ts). Both
 * SDKs ask the same of a provider; only the client and transport classes differ. For demos and
 * tests, never for real users.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  Client as ClientV2,
  DpopSession,
  type OAuthDiscoveryState,
  StreamableHTTPClientTransport as TransportV2,
  UnauthorizedError as UnauthorizedErrorV2,
} from '@modelcontextprotocol/client';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { Implementation } from '@modelcontextprotocol/sdk/types.js';

/** Which SDK generation's client to run. */
export type ClientSdk = 'v2' | 'v1';

export type HeadlessAuthEventKind =
  | 'challenge' // a 401 from the MCP server
  | 'step-up' // a 403 insufficient_scope from the MCP server
  | 'metadata' // discovery done: protected resource + authorization server
  | 'registered' // dynamic client registration
  | 'authorize' // authorization request sent (scope, resource)
  | 'code' // authorization code received at the redirect URI
  | 'tokens' // tokens saved
  | 'reconnect'; // a new transport after the first authorization

export interface HeadlessAuthEvent {
  kind: HeadlessAuthEventKind;
  message: string;
  /** performance.now() when it happened. */
  at: number;
}

export interface HeadlessOAuthClientProviderOptions {
  /** Never served: the redirect chain is stopped when it gets there. Default http://127.0.0.1/callback. */
  redirectUrl?: string;
  clientName?: string;
  /** Extra client metadata, e.g. grant_types with 'refresh_token'. */
  clientMetadata?: Partial<HeadlessClientMetadata>;
  /** Upper bound on redirects followed per authorization. Default 20. */
  maxRedirects?: number;
  onEvent?: (event: HeadlessAuthEvent) => void;
  /** Overrides the SDK's resource selection (e.g. to request a token for another resource). */
  validateResourceURL?: (serverUrl: string | URL, resource?: string) => Promise<URL | undefined>;
  /** SDK v2 only: ask for DPoP-bound tokens and present them with a proof on every request. */
  dpop?: boolean;
}

/** The client metadata this provider registers with (both SDKs' OAuthClientMetadata accept it). */
export interface HeadlessClientMetadata {
  client_name: string;
  redirect_uris: string[];
  grant_types: string[];
  response_types: string[];
  token_endpoint_auth_method: string;
  scope?: string;
}

/** In-memory OAuthClientProvider whose "browser" is fetch. One instance per MCP server: tokens() has no resource. */
export class HeadlessOAuthClientProvider {
  readonly events: HeadlessAuthEvent[] = [];
  validateResourceURL?: (serverUrl: string | URL, resource?: string) => Promise<URL | undefined>;
  private readonly options: HeadlessOAuthClientProviderOptions;
  private readonly jar = new CookieJar();
  private client?: OAuthClientInformationMixed;
  private saved?: OAuthTokens;
  private verifier?: string;
  private expectedState?: string;
  private callback?: URLSearchParams;
  private discovery?: OAuthDiscoveryState;

  private dpopSession?: Promise<DpopSession>;

  constructor(options: HeadlessOAuthClientProviderOptions = {}) {
    this.options = options;
    if (options.validateResourceURL) this.validateResourceURL = options.validateResourceURL;
  }

  get redirectUrl(): string {
    return this.options.redirectUrl ?? 'http://127.0.0.1/callback';
  }

  get clientMetadata(): HeadlessClientMetadata {
    return {
      client_name: this.options.clientName ?? 'headless MCP client',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...this.options.clientMetadata,
    };
  }

  /** Records an event; public so that the transport's fetch (see observingFetch) can report too. */
  record(kind: HeadlessAuthEventKind, message: string): void {
    const event = { kind, message, at: performance.now() };
    this.events.push(event);
    this.options.onEvent?.(event);
  }

  /** SDK v2 asks for it: one key pair for this client's lifetime, when DPoP is on. */
  dpop(): Promise<DpopSession> | undefined {
    if (!this.options.dpop) return undefined;
    this.dpopSession ??= DpopSession.create();
    return this.dpopSession;
  }

  state(): string {
    this.expectedState = randomBytes(16).toString('base64url');
    return this.expectedState;
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.client;
  }

  saveClientInformation(info: OAuthClientInformationMixed): void {
    // Also called to stamp an existing client with its issuer: report registrations only.
    if (info.client_id !== this.client?.client_id) this.record('registered', `client ${info.client_id}`);
    this.client = info;
  }

  tokens(): OAuthTokens | undefined {
    return this.saved;
  }

  saveTokens(tokens: OAuthTokens): void {
    // Kept unchanged: the SDK stamps `issuer` on what it saves and checks it on the way back.
    this.saved = tokens;
    const claims = decodeJwtPayload(tokens.access_token);
    const described = claims
      ? `JWT for aud=${JSON.stringify(claims.aud)} scope="${claims.scope ?? ''}"`
      : `opaque token, scope="${tokens.scope ?? ''}"`;
    this.record('tokens', `${described}${tokens.refresh_token ? ' + refresh token' : ''}`);
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.verifier = codeVerifier;
  }

  codeVerifier(): string {
    if (!this.verifier) throw new Error('no PKCE code verifier saved');
    return this.verifier;
  }

  saveDiscoveryState(state: OAuthDiscoveryState): void {
    // Kept: the v2 client checks on the callback leg that the code goes to the same server.
    this.discovery = state;
    const resource = state.resourceMetadata?.resource ?? '(no protected resource metadata)';
    this.record('metadata', `resource ${resource} -> authorization server ${state.authorizationServerUrl}`);
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery;
  }

  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    if (scope === 'all' || scope === 'client') this.client = undefined;
    if (scope === 'all' || scope === 'tokens') this.saved = undefined;
    if (scope === 'all' || scope === 'verifier') this.verifier = undefined;
    if (scope === 'all' || scope === 'discovery') this.discovery = undefined;
  }

  /**
   * The browser's job, done with fetch: follow redirects (login and consent pages of an
   * auto-approving server), carrying cookies, until the redirect URI; keep the code for finishAuth.
   */
  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    const params = authorizationUrl.searchParams;
    this.record('authorize', `scope="${params.get('scope') ?? ''}" resource=${params.get('resource') ?? '(none)'}`);
    const redirect = new URL(this.redirectUrl);
    const maxRedirects = this.options.maxRedirects ?? 20;
    let url = authorizationUrl;
    for (let hop = 0; hop <= maxRedirects; hop++) {
      if (url.origin === redirect.origin && url.pathname === redirect.pathname) {
        this.readCallback(url.searchParams);
        this.callback = url.searchParams;
        this.record('code', `authorization code after ${hop} redirects`);
        return;
      }
      const cookie = this.jar.header(url);
      const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
      this.jar.store(url, response.headers);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status > 399 || !location) {
        const body = (await response.text()).replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ');
        throw new Error(`authorization stopped at ${url.pathname} with HTTP ${response.status}: ${body.slice(0, 200)}`);
      }
      await response.body?.cancel();
      url = new URL(location, url);
    }
    throw new Error(`authorization did not reach ${this.redirectUrl} within ${maxRedirects} redirects`);
  }

  /** The whole redirect query (code, state, and `iss`, which the v2 client checks: RFC 9207), once. */
  takeAuthorizationResponse(): URLSearchParams | undefined {
    const callback = this.callback;
    this.callback = undefined;
    return callback;
  }

  /** A fetch for the transport that reports the MCP server's 401 and 403 challenges. */
  readonly observingFetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    const response = await fetch(input, init);
    const challenge = response.headers.get('www-authenticate');
    if (response.status === 401) this.record('challenge', `401 ${challenge ?? '(no WWW-Authenticate)'}`);
    if (response.status === 403 && challenge?.includes('insufficient_scope')) {
      const scope = /scope="([^"]*)"/.exec(challenge)?.[1];
      this.record('step-up', `403 insufficient_scope, step-up to scope "${scope ?? '?'}"`);
    }
    return response;
  };

  private readCallback(query: URLSearchParams): void {
    const error = query.get('error');
    if (error) throw new Error(`authorization refused: ${error}: ${query.get('error_description') ?? ''}`);
    if (this.expectedState !== undefined && query.get('state') !== this.expectedState) {
      throw new Error('authorization response has the wrong state');
    }
    if (!query.get('code')) throw new Error('authorization response has no code');
  }
}

/**
 * Connects the SDK client, authorizing on the way. Both SDKs' contract for interactive flows: the
 * first connect fails with UnauthorizedError after redirectToAuthorization; the app then calls
 * transport.finishAuth(code) and connects again with a NEW transport (a failed connect closes
 * the first one, and start() runs once per transport).
 */
export async function connectWithOAuth(
  serverUrl: URL,
  provider: HeadlessOAuthClientProvider,
  clientInfo: Implementation = { name: 'headless-mcp-client', version: '1.0.0' },
): Promise<Client> {
  return authorizing(
    provider,
    () => new StreamableHTTPClientTransport(serverUrl, { authProvider: provider, fetch: provider.observingFetch }),
    (transport, response) => transport.finishAuth(response.get('code') ?? ''),
    async (transport) => {
      const client = new Client(clientInfo);
      await client.connect(transport);
      return client;
    },
  );
}

/** The same with the SDK v2 client (protocol 2026-07-28). */
export async function connectWithOAuthV2(
  serverUrl: URL,
  provider: HeadlessOAuthClientProvider,
  clientInfo: Implementation = { name: 'headless-mcp-client', version: '1.0.0' },
): Promise<ClientV2> {
  return authorizing(
    provider,
    () => new TransportV2(serverUrl, { authProvider: provider, fetch: provider.observingFetch }),
    (transport, response) => transport.finishAuth(response),
    async (transport) => {
      const client = new ClientV2(clientInfo);
      await client.connect(transport);
      return client;
    },
  );
}

/**
 * Connects with a first transport; after an UnauthorizedError with a code in hand, finishes the
 * authorization on that transport (it holds what discovery found) and connects a new one.
 */
async function authorizing<T, C>(
  provider: HeadlessOAuthClientProvider,
  newTransport: () => T,
  finish: (transport: T, response: URLSearchParams) => Promise<void>,
  connect: (transport: T) => Promise<C>,
): Promise<C> {
  const first = newTransport();
  try {
    return await connect(first);
  } catch (error) {
    const response = isUnauthorized(error) ? provider.takeAuthorizationResponse() : undefined;
    if (!response) throw error;
    await finish(first, response);
    provider.record('reconnect', 'token obtained, connecting a new transport');
    return await connect(newTransport());
  }
}

function isUnauthorized(error: unknown): boolean {
  return error instanceof UnauthorizedError || error instanceof UnauthorizedErrorV2;
}

/**
 * Runs `call` and completes a step-up if it needs one. On a 403 insufficient_scope the SDK
 * (1.32.2) replaces its scope with the challenge's, calls redirectToAuthorization and then
 * rejects the request with UnauthorizedError: like a browser app coming back from the
 * authorization server, we finish on the same transport (it remembers the new scope and the
 * resource metadata URL) and send the request again, once. A second identical 403 makes the
 * SDK throw "Server returned 403 after trying upscoping", so this cannot loop.
 */
export async function withStepUp<T>(
  client: Client | ClientV2,
  provider: HeadlessOAuthClientProvider,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const response = isUnauthorized(error) ? provider.takeAuthorizationResponse() : undefined;
    const transport = client.transport;
    if (response && transport instanceof TransportV2) await transport.finishAuth(response);
    else if (response && transport instanceof StreamableHTTPClientTransport) {
      await transport.finishAuth(response.get('code') ?? '');
    } else throw error;
    return await call();
  }
}

/** Display only: the payload of a JWT, unverified; undefined for opaque tokens. */
function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Just enough of a cookie jar for one authorization server: origin, path prefix, expiry. */
class CookieJar {
  private readonly cookies = new Map<string, { origin: string; path: string; value: string }>();

  store(url: URL, headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      let path = '/';
      let expired = false;
      for (const attribute of attributes) {
        const [key = '', value = ''] = attribute.split('=');
        const lower = key.toLowerCase();
        if (lower === 'path' && value.startsWith('/')) path = value;
        if (lower === 'max-age' && Number(value) <= 0) expired = true;
        if (lower === 'expires' && Date.parse(value) <= Date.now()) expired = true;
      }
      const key = `${url.origin} ${path} ${name}`;
      if (expired) this.cookies.delete(key);
      else this.cookies.set(key, { origin: url.origin, path, value: pair });
    }
  }

  header(url: URL): string | undefined {
    const matching = [...this.cookies.values()].filter(
      (c) =>
        c.origin === url.origin &&
        (url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)),
    );
    return matching.length > 0 ? matching.map((c) => c.value).join('; ') : undefined;
  }
}
