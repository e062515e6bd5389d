/**
 * Scope hierarchies: a broader scope implies narrower ones (`files:admin` implies `files:write`
 * implies `files:read`), per protected resource. A token's scopes are expanded once, so that every
 * check downstream (required scopes, any-of scopes, per-tool scopes, the SDK's own scope
 * challenges, the user's code) sees the hierarchy through `req.auth.scopes` alone.
 */

/** Scope -> the scopes it implies directly, as configured. */
export type ImpliedScopesConfig = Readonly<Record<string, readonly string[]>>;

export class ImpliedScopes {
  /** Scope -> every scope it implies, transitively (never itself). */
  private readonly closure: ReadonlyMap<string, ReadonlySet<string>>;

  /** `config` must be free of cycles (see `impliedScopesCycle`). */
  constructor(config: ImpliedScopesConfig) {
    const closure = new Map<string, Set<string>>();
    const visit = (scope: string): Set<string> => {
      let implied = closure.get(scope);
      if (implied) return implied;
      implied = new Set();
      closure.set(scope, implied);
      for (const narrower of direct(config, scope)) {
        implied.add(narrower);
        for (const further of visit(narrower)) implied.add(further);
      }
      return implied;
    };
    for (const scope of Object.keys(config)) visit(scope);
    this.closure = closure;
  }

  /** The granted scopes, then every scope they imply that was not granted (no duplicates). */
  expand(granted: readonly string[]): string[] {
    const all = new Set(granted);
    for (const scope of granted) for (const implied of this.closure.get(scope) ?? []) all.add(implied);
    return [...all];
  }

  /** The scopes not implied by another of them: the smallest set that grants the same. */
  withoutImplied(scopes: readonly string[]): string[] {
    return scopes.filter((s) => !scopes.some((other) => other !== s && this.closure.get(other)?.has(s)));
  }
}

/** A cycle in `config` as the path that closes it (`a -> b -> a`), or undefined. */
export function impliedScopesCycle(config: ImpliedScopesConfig): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const walk = (scope: string): string[] | undefined => {
    const at = path.indexOf(scope);
    if (at !== -1) return [...path.slice(at), scope];
    if (done.has(scope)) return undefined;
    path.push(scope);
    for (const narrower of direct(config, scope)) {
      const cycle = walk(narrower);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(scope);
    return undefined;
  };
  for (const scope of Object.keys(config)) {
    const cycle = walk(scope);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Own entries only: a scope named `constructor` must not find Object.prototype's. */
function direct(config: ImpliedScopesConfig, scope: string): readonly string[] {
  return Object.hasOwn(config, scope) ? (config[scope] as readonly string[]) : [];
}
