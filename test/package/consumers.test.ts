/**
 * The package as its users see it: built, laid out as npm installs it, and type-checked with
 * `skipLibCheck: false` in projects with only the MCP SDK v1, only v2, both, or neither (each
 * with this package imported before and after the SDK), then required from CommonJS. No
 * published declaration may need a module the project lacks, and `req.auth` must not collide
 * with the SDKs' own declarations.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const modules = join(root, 'node_modules');
const tsc = join(modules, 'typescript/bin/tsc');
let tmp: string;

/** What a consumer project installs besides this package and express (its own dependencies). */
const SDK = {
  v1: ['@modelcontextprotocol/sdk'],
  v2: [
    '@modelcontextprotocol/server',
    '@modelcontextprotocol/core',
    '@modelcontextprotocol/express',
    '@modelcontextprotocol/node',
  ],
};

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'mcp-bearer-auth-consumers-'));
  // The package as published: package.json, README, LICENSE and a fresh build of dist/.
  const pkg = join(tmp, 'pkg');
  await run(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')]);
  for (const file of ['package.json', 'README.md', 'LICENSE']) cpSync(join(root, file), join(pkg, file));
  // Shared by every project: this package's dependencies, express and the type packages.
  mkdirSync(join(tmp, 'node_modules'));
  for (const name of ['express', 'jose', 'zod', '@types'])
    symlinkSync(join(modules, name), join(tmp, 'node_modules', name));
}, 300_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A project with `packages` installed and `files`; resolves to tsc's output ('' when it type-checks). */
async function typeCheck(name: string, packages: string[], files: Record<string, string>): Promise<string> {
  const dir = join(tmp, name);
  mkdirSync(join(dir, 'node_modules/@modelcontextprotocol'), { recursive: true });
  // Installed beside the SDK, as npm would: a copy, so that its own imports resolve from here.
  cpSync(join(tmp, 'pkg'), join(dir, 'node_modules/mcp-bearer-auth'), { recursive: true });
  for (const p of packages) symlinkSync(join(modules, p), join(dir, 'node_modules', p));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        types: ['node'],
      },
    }),
  );
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  try {
    await run(process.execPath, [tsc, '-p', dir]);
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

const setup = `
const mcpAuth = new MCPAuth({
  protectedResources: {
    metadata: { resource: 'https://api.example.com/mcp', authorizationServers: [{ issuer: 'https://auth.example.com', type: 'oidc' }] },
    impliedScopes: { 'files:write': ['files:read'] } as const,
  },
});
const app = express();
app.use('/mcp', mcpAuth.bearerAuth('jwt', { requiredScopes: ['files:read'] as const }));
app.post('/mcp', mcpAuth.requireToolScopes({ write: ['files:write'] } as const), (req, res) => {
  const subject: string | undefined = req.auth?.subject;
  const metadata: string | undefined = req.auth?.resourceMetadataUrl;
  const scopes: string[] | undefined = req.auth?.scopes;
  res.json({ subject, metadata, scopes });
});
`;

const ours = `import express from 'express';\nimport { MCPAuth, type AuthInfo } from 'mcp-bearer-auth';\n`;

const v1 = {
  imports: `import 'mcp-bearer-auth/sdk-v1';
import { McpServer as V1Server } from '@modelcontextprotocol/sdk/server/mcp.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
`,
  use: `
const v1Server = new V1Server({ name: 'v1', version: '1.0.0' });
v1Server.registerTool('whoami', { description: 'Who am I?' }, (extra) => ({
  content: [{ type: 'text', text: \`\${extra.authInfo?.subject} \${extra.authInfo?.issuer} \${extra.authInfo?.claims?.sub}\` }],
}));
const fromV1: AuthInfo | undefined = undefined as Parameters<Parameters<typeof v1Server.registerTool>[2]>[0]['authInfo'];
void fromV1;
void requireBearerAuth;
`,
};

const v2 = {
  imports: `import 'mcp-bearer-auth/sdk-v2';
import { McpServer as V2Server, type AuthInfo as V2AuthInfo } from '@modelcontextprotocol/server';
import { requireBearerAuth } from '@modelcontextprotocol/express';
`,
  use: `
const v2Server = new V2Server({ name: 'v2', version: '1.0.0' });
v2Server.registerTool(
  'whoami',
  { description: 'Who am I?', scopeChallenge: mcpAuth.scopeChallenge(['files:read']) },
  async (ctx) => ({
    content: [{ type: 'text', text: \`\${ctx.http?.authInfo?.subject} \${ctx.http?.authInfo?.audience?.[0]}\` }],
  }),
);
const toV2: V2AuthInfo = {} as AuthInfo;
const fromV2: AuthInfo = {} as V2AuthInfo;
void toV2;
void fromV2;
void requireBearerAuth;
`,
};

describe('consumer projects type-check with skipLibCheck off', () => {
  it('neither SDK: req.auth is this package’s AuthInfo; the introspection guide’s first example compiles', async () => {
    const guide = readFileSync(join(root, 'docs/introspection.md'), 'utf8');
    const example = /```ts\n([\s\S]*?)```/.exec(guide)?.[1] ?? 'missing example';
    expect(await typeCheck('neither', [], { 'main.ts': `${ours}${setup}{\n${example}}\n` })).toBe('');
  }, 240_000);

  it.each([
    ['v1 only', SDK.v1, v1],
    ['v2 only', SDK.v2, v2],
  ])(
    '%s, this package imported first and last',
    async (name, packages, sdk) => {
      const slug = name.replace(' ', '-');
      expect(await typeCheck(`${slug}-first`, packages, { 'main.ts': `${ours}${sdk.imports}${setup}${sdk.use}` })).toBe(
        '',
      );
      expect(await typeCheck(`${slug}-last`, packages, { 'main.ts': `${sdk.imports}${ours}${setup}${sdk.use}` })).toBe(
        '',
      );
    },
    240_000,
  );

  it('the README quick start (v2) and the v1 server of docs/mcp-sdk.md compile as written', async () => {
    const firstTs = (file: string, after = '') => {
      const text = readFileSync(join(root, file), 'utf8');
      return /```ts\n([\s\S]*?)```/.exec(text.slice(text.indexOf(after)))?.[1] ?? `missing example in ${file}`;
    };
    const readme = firstTs('README.md', '## Quick start');
    const v1Server = firstTs('docs/mcp-sdk.md', '## A v1 server').replace(
      'new MCPAuth({ /* as in the README */ })',
      "new MCPAuth({ protectedResources: { metadata: { resource: 'https://a.example/mcp', authorizationServers: [{ issuer: 'https://auth.example', type: 'oidc' }] } } })",
    );
    const results = await Promise.all([
      typeCheck('readme-v2', SDK.v2, { 'main.ts': readme }),
      typeCheck('docs-v1', SDK.v1, { 'main.ts': v1Server }),
    ]);
    expect(results).toEqual(['', '']);
  }, 240_000);

  it('both SDKs installed (a v2 server and v1 tools in one project), in either order', async () => {
    // The v1 bearer middleware and the v2 Express package both declare req.auth with their own
    // AuthInfo and collide with each other whatever this package does; a project uses one of them.
    const v1Tools = v1.imports.replace(/^import \{ requireBearerAuth \}.*\n/m, '');
    const v1Use = v1.use.replace('void requireBearerAuth;\n', '');
    const both = (first: string, second: string) => `${first}${second}${setup}${v1Use}${v2.use}`;
    const results = await Promise.all([
      typeCheck('both-first', [...SDK.v1, ...SDK.v2], { 'main.ts': both(ours, v1Tools + v2.imports) }),
      typeCheck('both-last', [...SDK.v1, ...SDK.v2], { 'main.ts': both(v2.imports + v1Tools, ours) }),
    ]);
    expect(results).toEqual(['', '']);
  }, 240_000);

  it('a mistake is still caught (the check can fail)', async () => {
    const wrong = `${ours}${setup}\nconst n: number | undefined = ({} as AuthInfo).subject;\n`;
    expect(await typeCheck('mistake', [], { 'main.ts': wrong })).toContain("Type 'string' is not assignable");
  }, 240_000);
});

describe('CommonJS consumers (Node >= 20.19 loads ES modules with require)', () => {
  it('require() of the package and of /testing works, and a .cts file type-checks', async () => {
    const cts = `import mcp = require('mcp-bearer-auth');\nconst auth: mcp.AuthInfo | undefined = undefined;\nvoid auth;\nvoid mcp.MCPAuth;\n`;
    expect(await typeCheck('cjs', [], { 'check.cts': cts })).toBe('');
    const script = join(tmp, 'cjs/check.cjs');
    writeFileSync(
      script,
      `const { MCPAuth } = require('mcp-bearer-auth');
const { createTestIssuer } = require('mcp-bearer-auth/testing');
createTestIssuer().then(async (issuer) => {
  const mcpAuth = new MCPAuth({ protectedResources: { metadata: { resource: 'http://127.0.0.1/mcp', authorizationServers: [{ issuer: issuer.issuer, type: 'oidc' }] } } });
  console.log(typeof mcpAuth.bearerAuth('jwt'));
  await issuer.close();
});
`,
    );
    const { stdout, stderr } = await run(process.execPath, [script]);
    expect(stdout.trim()).toBe('function');
    expect(stderr).toBe('');
  }, 240_000);
});
