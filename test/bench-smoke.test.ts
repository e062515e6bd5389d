/**
 * The benchmark's smoke mode, so that `npm run bench` cannot rot. Nothing is timed here: it
 * checks that every server starts, every scenario runs, and every status is what it must be.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('npm run bench -- --smoke', () => {
  it('runs every library in every scenario and reports the checks', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke'], {
      timeout: 120_000,
      maxBuffer: 10 * 1024 * 1024,
    });
    for (const variant of [
      'no-auth',
      'mcp-bearer-auth',
      'mcp-auth',
      'express-oauth2-jwt-bearer',
      'sdk-requireBearerAuth',
    ]) {
      for (const scenario of ['reused', 'distinct-1000', 'never-seen', 'bad-signature']) {
        expect(stdout, `${variant} ${scenario}`).toMatch(
          new RegExp(`\\| ES256 \\| ${scenario} \\| ${variant} \\| \\d+ \\|`),
        );
      }
    }
    // The reference checks no token: measured only where every token is valid.
    expect(stdout).toMatch(/\| ES256 \| reused \| req\.auth-only \| \d+ \|.*\| 200: \d+ \|/);
    expect(stdout).toMatch(/\| ES256 \| distinct-1000 \| req\.auth-only \| \d+ \|/);
    expect(stdout).not.toMatch(/\| (never-seen|bad-signature) \| req\.auth-only \|/);
    expect(stdout).toMatch(/^PASS {2}cold start ES256/m);
    expect(stdout).toMatch(/^PASS {2}ES256 bad-signature: every response 401/m);
    expect(stdout).toMatch(/^PASS {2}memory ES256: 3,000 distinct tokens/m);
    expect(stdout).toMatch(/^PASS {2}memory ES256: 800 distinct DPoP proofs .*"200":400,"401":400/m);
    expect(stdout).not.toMatch(/^FAIL/m);
  }, 150_000);
});
