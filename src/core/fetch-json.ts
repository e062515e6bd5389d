/** Fetches a JSON document from an authorization server: bounded in time and size. */
import { FetchJsonError } from './errors.js';

export interface FetchJsonOptions {
  timeoutMs: number;
  /** Largest body accepted, in bytes. */
  maxBytes?: number;
  headers?: Record<string, string>;
  /** A form POST (introspection) instead of a GET; never redirected. */
  form?: URLSearchParams;
}

const DEFAULT_MAX_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 3;

/**
 * GET `url` (or POST `form`) and parse JSON. GET redirects are followed only within the same
 * origin: a discovery document or key set must not be able to send us elsewhere; a POST that
 * carries a token and credentials is never redirected.
 */
export async function fetchJson(url: string, options: FetchJsonOptions): Promise<unknown> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let current = url;
  try {
    for (let hop = 0; ; hop++) {
      const response = await fetch(current, {
        method: options.form ? 'POST' : 'GET',
        headers: { accept: 'application/json', ...options.headers },
        body: options.form,
        redirect: 'manual',
        signal,
      });
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel();
        const location = response.headers.get('location');
        const next = location ? new URL(location, current) : undefined;
        if (!next || options.form || next.origin !== new URL(current).origin || hop >= MAX_REDIRECTS) {
          throw new FetchJsonError(`${url} redirected to another origin or too often`, response.status);
        }
        current = next.href;
        continue;
      }
      if (!response.ok) {
        let oauthError: string | undefined;
        if (options.form) oauthError = await readOAuthError(response);
        else await response.body?.cancel();
        const code = oauthError ? ` (${oauthError})` : '';
        throw new FetchJsonError(`${url} answered HTTP ${response.status}${code}`, response.status, { oauthError });
      }
      const text = await readLimited(response, options.maxBytes ?? DEFAULT_MAX_BYTES, url);
      try {
        return JSON.parse(text);
      } catch (cause) {
        throw new FetchJsonError(`${url} did not return JSON`, response.status, { cause, notJson: true });
      }
    }
  } catch (error) {
    if (error instanceof FetchJsonError) throw error;
    const timedOut = signal.aborted;
    throw new FetchJsonError(
      timedOut ? `${url} timed out after ${options.timeoutMs} ms` : `${url} could not be fetched (${rootCause(error)})`,
      undefined,
      {
        cause: error,
      },
    );
  }
}

/** What lies under fetch's "fetch failed": ECONNREFUSED, ENOTFOUND (DNS), a TLS error… */
function rootCause(error: unknown): string {
  let deepest = error;
  while (deepest instanceof Error && deepest.cause !== undefined) deepest = deepest.cause;
  const code = (deepest as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  return deepest instanceof Error ? deepest.message : String(deepest);
}

/** An OAuth error code: printable ASCII without `"` and `\`. */
const OAUTH_ERROR_CODE = /^[\x20\x21\x23-\x5b\x5d-\x7e]{1,64}$/;

/** The `error` code of an OAuth error response, or undefined (no JSON, no code, too large). */
async function readOAuthError(response: Response): Promise<string | undefined> {
  try {
    const error = (JSON.parse(await readLimited(response, 16 * 1024, response.url)) as { error?: unknown })?.error;
    return typeof error === 'string' && OAUTH_ERROR_CODE.test(error) ? error : undefined;
  } catch {
    return undefined;
  }
}

async function readLimited(response: Response, maxBytes: number, url: string): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new FetchJsonError(`${url} body is larger than ${maxBytes} bytes`, response.status);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new FetchJsonError(`${url} body is larger than ${maxBytes} bytes`, response.status);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
