/** camelCase <-> snake_case for the top-level keys of authorization server and protected resource metadata. */

function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function mapKeys(object: Record<string, unknown>, rename: (key: string) => string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (value !== undefined) out[rename(key)] = value;
  }
  return out;
}

export const toSnakeCaseKeys = (o: Record<string, unknown>) => mapKeys(o, camelToSnake);
export const toCamelCaseKeys = (o: Record<string, unknown>) => mapKeys(o, snakeToCamel);
