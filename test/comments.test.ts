/**
 * Code comments cite nothing outside this repository: a rule is stated in the comment in the
 * specification's words, and where it comes from is in docs/standards.md. Error messages may
 * name a standard; they are not comments.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = join(dirname(fileURLToPath(import.meta.url)), '../src');
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

/** A citation of an outside document: an RFC, a section sign, an MCP SEP, an Internet-Draft. */
const CITATION = /\bRFC ?\d{3,5}\b|§|\bSEP-\d+|\bdraft-[a-z]+-/;

describe('code comments', () => {
  it('cite no document outside this repository', () => {
    const found: string[] = [];
    for (const file of files(src)) {
      const text = readFileSync(file, 'utf8');
      // Block comments, and line comments that start a line (after code, `//` may be inside a string).
      for (const m of text.matchAll(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm)) {
        if (CITATION.test(m[0])) found.push(`${relative(src, file)}: ${m[0].trim().split('\n')[0]}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('the check sees a citation', () => {
    expect(CITATION.test('/** RFC 6750 §3.1 */')).toBe(true);
    expect(CITATION.test('/** the JWT access token profile */')).toBe(false);
  });
});
