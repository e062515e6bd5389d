/** A token's SHA-256, base64url: a cache key or log fingerprint that does not reveal the token. */
import { createHash } from 'node:crypto';

export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
