/**
 * RFC 6750 §3 `WWW-Authenticate: Bearer` challenges. Values are RFC 7230 quoted-strings.
 * MCP clients parse these loosely (first `name=` anywhere, quoted value without unescaping), so
 * parameter names are lowercase, `error_description` comes last, and it cannot contain text
 * that looks like another parameter.
 */

export interface ChallengeParams {
  realm?: string;
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  scope?: string;
  resourceMetadata?: string;
  errorDescription?: string;
}

/** RFC 7230 quoted-string: `"` and `\` escaped; controls and non-ASCII (not allowed in a header) replaced. */
export function quote(value: string): string {
  return `"${value.replace(/[^\x20-\x7E]/g, ' ').replace(/["\\]/g, '\\$&')}"`;
}

/**
 * `error_description` is limited to %x20-21 / %x23-5B / %x5D-7E (RFC 6750 §3): no `"` or `\`,
 * which also suits clients that read quoted values without unescaping. And no `name=` shapes a
 * loose parser could pick up as a parameter.
 */
export function sanitizeDescription(description: string): string {
  return description
    .replace(/[^\x20-\x7E]/g, ' ')
    .replace(/"/g, "'")
    .replace(/\\/g, '/')
    .replace(/=/g, ' = ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/**
 * Parameter order follows the contract's examples: `resource_metadata` first when there is no
 * `error`; otherwise `error`, `scope`, `resource_metadata`, and `error_description` last.
 */
export function buildChallenge(params: ChallengeParams): string {
  const parts: string[] = [];
  const add = (name: string, value: string | undefined) => {
    if (value !== undefined && value !== '') parts.push(`${name}=${quote(value)}`);
  };
  add('realm', params.realm);
  if (params.error === undefined) {
    add('resource_metadata', params.resourceMetadata);
    add('scope', params.scope);
  } else {
    add('error', params.error);
    add('scope', params.scope);
    add('resource_metadata', params.resourceMetadata);
  }
  if (params.errorDescription !== undefined) add('error_description', sanitizeDescription(params.errorDescription));
  return parts.length === 0 ? 'Bearer' : `Bearer ${parts.join(', ')}`;
}
