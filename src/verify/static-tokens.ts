/**
 * Fixed tokens for development and tests: `token -> who`. Refuses to be created in production
 * unless forced, because a static token is a password committed to a config file.
 */
import { MCPAuthConfigError, tokenRefusal } from '../core/errors.js';
import type { AuthInfo, VerifyAccessTokenFunction } from './auth-info.js';

export interface StaticTokenEntry {
  subject: string;
  clientId: string;
  scopes: string[];
  claims?: Record<string, unknown>;
}

export interface StaticTokensOptions {
  /** Allow use when NODE_ENV is 'production'. Default false. */
  allowInProduction?: boolean;
}

export function staticTokens(
  tokens: Record<string, StaticTokenEntry>,
  options: StaticTokensOptions = {},
): VerifyAccessTokenFunction {
  if (process.env.NODE_ENV === 'production' && options.allowInProduction !== true) {
    throw new MCPAuthConfigError(
      'invalid_config',
      'staticTokens: refused because NODE_ENV is production (pass { allowInProduction: true } to force it)',
    );
  }
  const entries = new Map<string, StaticTokenEntry>();
  for (const [i, [token, entry]] of Object.entries(tokens).entries()) {
    // Positions, not tokens, in messages: the tokens are secrets.
    if (token === '' || !Array.isArray(entry?.scopes) || typeof entry.subject !== 'string') {
      throw new MCPAuthConfigError(
        'invalid_config',
        `staticTokens: entry ${i + 1} needs a non-empty token, a subject and scopes`,
      );
    }
    entries.set(token, entry);
  }
  return (token: string): AuthInfo => {
    const entry = entries.get(token);
    if (!entry) throw tokenRefusal('Unknown token');
    return {
      token,
      clientId: entry.clientId,
      scopes: [...entry.scopes],
      subject: entry.subject,
      claims: { sub: entry.subject, client_id: entry.clientId, scope: entry.scopes.join(' '), ...entry.claims },
    };
  };
}
