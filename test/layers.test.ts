/**
 * The source folders form layers: a folder imports only from folders below it, so that a request
 * flows down and nothing calls back up. A cycle between folders, or an import against the order
 * below, fails here with the file and the import that break it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = join(dirname(fileURLToPath(import.meta.url)), '../src');

/** Lowest first. `.` is the facade (index, MCPAuth, the CLI), which may import everything. */
const LAYERS = ['core', 'testing', 'config', 'discovery', 'verify', 'mcp', 'http', 'express', '.'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

const folderOf = (file: string) => {
  const path = relative(src, file);
  return path.includes('/') ? (path.split('/')[0] as string) : '.';
};

/** Every relative import (static, dynamic, type-only or re-export) of every source file. */
const imports = sourceFiles(src).flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => ({
    file: relative(src, file),
    from: folderOf(file),
    to: folderOf(normalize(join(dirname(file), m[1] as string))),
  })),
);

describe('source layers', () => {
  it('every folder is in the layer list, and the check sees imports', () => {
    expect(new Set(sourceFiles(src).map(folderOf))).toEqual(new Set(LAYERS));
    expect(imports.filter((i) => i.from !== i.to).length).toBeGreaterThan(20);
  });

  it('no folder imports from a folder above it (so there is no cycle between folders)', () => {
    const upward = imports
      .filter((i) => LAYERS.indexOf(i.to) > LAYERS.indexOf(i.from))
      .map((i) => `${i.file} imports from ${i.to}/`);
    expect(upward).toEqual([]);
  });
});
