import { describe, expect, it } from 'vitest';
import { buildChallenge, quote, sanitizeDescription } from '../../src/http/responses.js';

describe('RFC 7230 quoted-strings', () => {
  it('escapes quotes and backslashes and replaces control characters', () => {
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quote('line\r\nbreak\ttab\u0000')).toBe('"line  break tab "');
    expect(quote('naïve ☃')).toBe('"na ve  "');
  });

  it('any value stays one quoted-string: a realm cannot smuggle in a parameter', () => {
    const header = buildChallenge({ realm: 'x", error="invalid_token', resourceMetadata: 'https://a.example/m' });
    expect(header).toBe('Bearer realm="x\\", error=\\"invalid_token", resource_metadata="https://a.example/m"');
  });
});

describe('error_description', () => {
  it('keeps to the RFC 6750 character set and defuses name= shapes', () => {
    expect(sanitizeDescription('say "hi" \\ scope=admin\r\n')).toBe("say 'hi' / scope = admin");
  });

  it('comes last, after the parameters clients read', () => {
    expect(
      buildChallenge({
        error: 'insufficient_scope',
        scope: 'a b',
        resourceMetadata: 'https://m',
        errorDescription: 'd',
      }),
    ).toBe('Bearer error="insufficient_scope", scope="a b", resource_metadata="https://m", error_description="d"');
    expect(buildChallenge({ resourceMetadata: 'https://m', scope: 'a' })).toBe(
      'Bearer resource_metadata="https://m", scope="a"',
    );
  });
});
