/**
 * `mcp-bearer-auth doctor <issuer-url> [--type oidc|oauth]`: fetches an authorization server's
 * metadata and reports what MCP clients will need from it. Exit 0: ready; 1: problems; 2: could
 * not fetch or bad usage.
 */
import type { AuthServerConfig, AuthServerType } from './config/types.js';
import { fetchServerConfig } from './discovery/server-config.js';
import { type CheckStatus, validateServerConfig } from './discovery/validate-server-config.js';

const USAGE = 'usage: mcp-bearer-auth doctor <issuer-url> [--type oidc|oauth]';
const HELP = [
  USAGE,
  '',
  "Fetches an authorization server's discovery document and reports what MCP clients need from it.",
  'Without --type, tries OpenID Connect discovery, then RFC 8414, and says which type to configure.',
  'Exit 0: ready; 1: problems MCP clients will hit; 2: nothing could be fetched, or bad usage.',
];
const MARK: Record<CheckStatus, string> = { ok: 'ok  ', warning: 'warn', error: 'FAIL', info: 'info' };

/**
 * Control characters (C0, DEL, C1), line and paragraph separators and bidirectional overrides,
 * shown as escapes: the metadata doctor prints comes from the network, and must not be able to
 * drive the terminal (set its title, move the cursor, erase a FAIL line, print a forged "ok").
 */
const UNPRINTABLE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

function printable(line: string): string {
  return line.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

export async function runDoctor(argv: string[], print: (line: string) => void = console.log): Promise<number> {
  // Every line goes through here: whatever part of it came from the network, it is escaped.
  const out = (line: string) => print(printable(line));
  const [command, issuer, ...rest] = argv;
  if (argv.includes('--help') || argv.includes('-h')) {
    for (const line of HELP) out(line);
    return 0;
  }
  const typeAt = rest.indexOf('--type');
  const type = typeAt === -1 ? undefined : rest[typeAt + 1];
  if (
    command !== 'doctor' ||
    !issuer ||
    issuer.startsWith('-') ||
    (type !== undefined && type !== 'oidc' && type !== 'oauth')
  ) {
    out(USAGE);
    return 2;
  }
  let config: AuthServerConfig | undefined;
  const failures: string[] = [];
  for (const t of type ? [type as AuthServerType] : (['oidc', 'oauth'] as const)) {
    try {
      config = await fetchServerConfig(issuer, { type: t });
      break;
    } catch (error) {
      failures.push(`${t} discovery: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (!config) {
    out(`Could not read the metadata of ${issuer}:`);
    for (const f of failures) out(`  ${f}`);
    return 2;
  }
  const report = validateServerConfig(config);
  out(`Authorization server ${report.issuer} (${config.type === 'oidc' ? 'OpenID Connect' : 'RFC 8414'} discovery)`);
  for (const c of report.checks) out(`  ${MARK[c.status]}  ${c.message}`);
  out(`Configure it as: { issuer: '${report.issuer}', type: '${config.type}' }`);
  const errors = report.checks.filter((c) => c.status === 'error').length;
  out(errors === 0 ? 'Ready for MCP clients.' : `${errors} problem(s) MCP clients will hit.`);
  return errors === 0 ? 0 : 1;
}
