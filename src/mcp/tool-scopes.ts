/**
 * Per-tool scopes: which `tools/call` requests in an MCP (JSON-RPC 2.0) message need scopes the
 * caller lacks. Framework-free; the answer becomes an HTTP 403 `insufficient_scope` so that MCP
 * clients step up.
 */

/** Tool name -> scopes it needs (all of them). */
export type ToolScopes = Readonly<Record<string, readonly string[]>>;

export type ToolScopeCheck =
  | { ok: true }
  /** The body is not a JSON-RPC message (or batch): it cannot be checked, so it is refused. */
  | { ok: false; reason: 'not_json_rpc' }
  | { ok: false; reason: 'insufficient_scope'; tools: string[]; required: string[]; missing: string[] };

function isJsonRpcMessage(value: unknown): value is { jsonrpc: '2.0'; method?: unknown; params?: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    (value as { jsonrpc?: unknown }).jsonrpc === '2.0'
  );
}

export function checkToolScopes(body: unknown, toolScopes: ToolScopes, granted: readonly string[]): ToolScopeCheck {
  const messages = Array.isArray(body) ? body : [body];
  if (messages.length === 0 || !messages.every(isJsonRpcMessage)) return { ok: false, reason: 'not_json_rpc' };
  const tools: string[] = [];
  const required = new Set<string>();
  for (const message of messages) {
    if (message.method !== 'tools/call') continue;
    const name = (message.params as { name?: unknown } | undefined)?.name;
    // Own properties only: a tool named `constructor` must not find Object.prototype's.
    if (typeof name !== 'string' || !Object.hasOwn(toolScopes, name)) continue;
    const scopes = toolScopes[name] as readonly string[];
    if (scopes.every((s) => granted.includes(s))) continue;
    tools.push(name);
    for (const s of scopes) required.add(s);
  }
  if (tools.length === 0) return { ok: true };
  const all = [...required];
  return {
    ok: false,
    reason: 'insufficient_scope',
    tools,
    required: all,
    missing: all.filter((s) => !granted.includes(s)),
  };
}
