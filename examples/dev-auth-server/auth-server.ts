/**
 * A local development OAuth authorization server for MCP, built on the real `oidc-provider`:
 * open dynamic client registration, PKCE S256, public clients, RFC 8707 resource indicators
 * (JWT or opaque access tokens per resource), introspection, and a login + consent step that
 * approves itself, so a whole MCP authorization flow runs without a browser. Not for production.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import type { ClientMetadata, Configuration, default as Provider } from 'oidc-provider';

export interface DevResource {
  /** Scopes this resource understands; a token for it carries the granted subset. */
  scopes: string[];
  /** 'jwt' (default): ES256 `at+jwt` with `aud` = the resource. 'opaque': check it by introspection. */
  accessTokenFormat?: 'jwt' | 'opaque';
}

export interface DevAuthServerOptions {
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Resource identifier (exact string, as clients send it in `resource`) -> what it accepts. */
  resources: Record<string, DevResource>;
  /** The user every authorization logs in as. Default 'demo-user'. */
  subject?: string;
  /** Issue refresh tokens to clients registered for the refresh_token grant. Default false (see below). */
  refreshTokens?: boolean;
  /** Access token lifetime in seconds. Default 3600. */
  accessTokenTtl?: number;
  /** Pre-registered clients, in addition to the introspection client. */
  clients?: ClientMetadata[];
}

export interface DevAuthServer {
  /** `http://127.0.0.1:PORT`: a root issuer, so clients find its metadata on their first try. */
  issuer: string;
  port: number;
  /** A confidential client (client_secret_basic) allowed to call the introspection endpoint. */
  introspectionClient: { clientId: string; clientSecret: string };
  introspectionEndpoint: string;
  /** Every scope the server knows: the resources' scopes plus openid and offline_access. */
  scopes: string[];
  close(): Promise<void>;
}

/**
 * Two oidc-provider warnings that do not apply here are dropped: "Unsupported runtime" (it wants
 * Node 22, printed at import; everything used here works on Node 20) and "in-memory adapter"
 * (printed at construction; in-memory state is the point of a dev server). That is also why
 * oidc-provider is imported lazily: a static import would warn before this code runs.
 */
async function withoutIrrelevantWarnings<T>(run: () => T | Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    const text = String(args[0]);
    if (!text.includes('Unsupported runtime') && !text.includes('in-memory adapter')) warn(...args);
  };
  try {
    return await run();
  } finally {
    console.warn = warn;
  }
}

export async function startDevAuthServer(options: DevAuthServerOptions): Promise<DevAuthServer> {
  const { Provider: ProviderClass, errors } = await withoutIrrelevantWarnings(() => import('oidc-provider'));
  const subject = options.subject ?? 'demo-user';
  const resources = new Map(Object.entries(options.resources));
  const scopes = [...new Set(['openid', 'offline_access', ...[...resources.values()].flatMap((r) => r.scopes)])];
  const accessTokenTtl = options.accessTokenTtl ?? 3600;

  // A fresh signing key per start, so tokens from an earlier run never verify. P-256, not RSA:
  // generating it takes under a millisecond instead of ~150 ms.
  const { privateKey } = await promisify(generateKeyPair)('ec', { namedCurve: 'P-256' });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg: 'ES256' };

  const introspectionClient = {
    clientId: `introspector-${randomBytes(4).toString('hex')}`,
    clientSecret: randomBytes(24).toString('base64url'),
  };

  // The issuer contains the port, so listen first and build the provider afterwards.
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;

  const configuration: Configuration = {
    jwks: { keys: [signingKey] },
    // The only key is ES256, so ID tokens (should a client ask for openid) are ES256 too.
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes,
    responseTypes: ['code'],
    // OAuth 2.1 / MCP: every authorization request must carry an S256 code challenge.
    pkce: { required: () => true },
    clients: [
      {
        client_id: introspectionClient.clientId,
        client_secret: introspectionClient.clientSecret,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      },
      ...(options.clients ?? []),
    ],
    // Step-up vs dynamic registration: the MCP SDK registers with `scope` = the scope of the
    // first 401 challenge, and oidc-provider then refuses that client any other scope
    // ("requested scope is not allowed"), so a later step-up to e.g. mcp:write could never
    // succeed. For a dev server the simple, visible policy is: every client may ask for every
    // known scope; what it gets is still decided per request (scope + resource) at consent.
    extraClientMetadata: {
      properties: ['scope'],
      validator(_ctx, key, _value, metadata) {
        if (key === 'scope') metadata.scope = scopes.join(' ');
      },
    },
    // Refresh tokens are off by default: SDK 1.32.2, when it holds one, answers a 403
    // insufficient_scope by refreshing with the OLD scope instead of re-authorizing (issue #2255).
    issueRefreshToken: async (_ctx, client) =>
      options.refreshTokens === true && client.grantTypeAllowed('refresh_token'),
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false }, // replaced by the auto-approving handler below
      // Open registration (no initial access token), as MCP clients expect.
      registration: { enabled: true },
      introspection: {
        enabled: true,
        // Only confidential clients learn about tokens: a public client could be anyone.
        allowedPolicy: (_ctx, client) => client.clientAuthMethod !== 'none',
      },
      revocation: { enabled: true },
      // Machine clients (pre-registered with the client_credentials grant) get tokens without a
      // user. oidc-provider binds a token to a key when the request carries a DPoP proof (its
      // DPoP feature is on by default): token_type DPoP, and `cnf.jkt` in JWT access tokens.
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // At the token endpoint, fall back to the resource granted at authorization.
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx, resourceIndicator) {
          // Exact string match, as RFC 8707 wants: `.../mcp/` is not `.../mcp`.
          const resource = resources.get(resourceIndicator);
          if (!resource) throw new errors.InvalidTarget(`unknown resource ${resourceIndicator}`);
          return {
            scope: resource.scopes.join(' '),
            audience: resourceIndicator,
            accessTokenTTL: accessTokenTtl,
            accessTokenFormat: resource.accessTokenFormat ?? 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    // Explicit lifetimes, also so that oidc-provider does not print "you SHOULD change" notices.
    ttl: {
      AccessToken: accessTokenTtl,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      Grant: 3600,
      IdToken: 3600,
      Interaction: 600,
      RefreshToken: 86400,
      Session: 3600,
    },
    // Any origin may call the endpoints: browser-based MCP clients (e.g. the MCP Inspector) on a dev machine.
    clientBasedCORS: () => true,
  };
  const provider = await withoutIrrelevantWarnings(() => new ProviderClass(issuer, configuration));
  const handle = provider.callback();

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url?.startsWith('/interaction/')) {
      approve(provider, subject, req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(`interaction failed: ${error instanceof Error ? error.message : String(error)}`);
      });
      return;
    }
    handle(req, res);
  });

  return {
    issuer,
    port,
    introspectionClient,
    introspectionEndpoint: `${issuer}/token/introspection`,
    scopes,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Clients keep connections alive; without this, close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

/**
 * The interaction a user would see, answered at once: "login" logs in as `subject`; "consent"
 * grants exactly what the client asked for (scopes and resource). Scopes listed in `scopes` count
 * as OpenID scopes too, so they must be added with addOIDCScope as well as per resource, or
 * oidc-provider sends the browser back to consent forever.
 */
async function approve(provider: Provider, subject: string, req: IncomingMessage, res: ServerResponse) {
  const { prompt, params, session, grantId } = await provider.interactionDetails(req, res);
  if (prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId: subject } }, { mergeWithLastSubmission: false });
    return;
  }
  if (prompt.name !== 'consent' || !session) throw new Error(`unexpected prompt ${prompt.name}`);
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: String(params.client_id) });
  if (!grant) throw new Error(`grant ${grantId} not found`);
  const details = prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope);
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, resourceScopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, resourceScopes);
  }
  const savedGrantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { consent: { grantId: savedGrantId } },
    { mergeWithLastSubmission: true },
  );
}
