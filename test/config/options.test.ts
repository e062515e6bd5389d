/**
 * The public option types and the zod schemas that check them at run time are one description:
 * every option of a type is in its schema and the reverse, what a schema accepts is what the type
 * allows, and what it outputs is the type (so MCPAuth reads parsed options with no cast).
 * Enforced by `tsc --noEmit` in `npm test`.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import {
  type BearerAuthIntrospectionOptions,
  type BearerAuthJwtOptions,
  type BearerAuthOptions,
  type customOptionsSchema,
  type introspectionOptionsSchema,
  jwtOptionsSchema,
  type ScopeChallengeOptions,
  type scopeChallengeOptionsSchema,
  type ToolScopesOptions,
  type toolScopesOptionsSchema,
} from '../../src/config/options.js';

type Keys<T> = keyof T & string;

describe('option types are pinned to their schemas', () => {
  it('the same option names', () => {
    expectTypeOf<Keys<BearerAuthOptions>>().toEqualTypeOf<Keys<z.output<typeof customOptionsSchema>>>();
    expectTypeOf<Keys<BearerAuthJwtOptions>>().toEqualTypeOf<Keys<z.output<typeof jwtOptionsSchema>>>();
    expectTypeOf<Keys<BearerAuthIntrospectionOptions>>().toEqualTypeOf<
      Keys<z.output<typeof introspectionOptionsSchema>>
    >();
    expectTypeOf<Keys<ToolScopesOptions>>().toEqualTypeOf<Keys<z.output<typeof toolScopesOptionsSchema>>>();
    expectTypeOf<Keys<ScopeChallengeOptions>>().toEqualTypeOf<Keys<z.output<typeof scopeChallengeOptionsSchema>>>();
  });

  it('a parsed option set is the type, and the type is what the schema takes', () => {
    expectTypeOf<z.output<typeof customOptionsSchema>>().toExtend<BearerAuthOptions>();
    expectTypeOf<z.output<typeof jwtOptionsSchema>>().toExtend<BearerAuthJwtOptions>();
    expectTypeOf<z.output<typeof introspectionOptionsSchema>>().toExtend<BearerAuthIntrospectionOptions>();
    expectTypeOf<z.output<typeof toolScopesOptionsSchema>>().toExtend<ToolScopesOptions>();
    expectTypeOf<z.output<typeof scopeChallengeOptionsSchema>>().toExtend<ScopeChallengeOptions>();
    // Readonly arrays and `as const` are the types' own widening: the schemas' input is mutable.
    type Mutable<V> = V extends readonly (infer U)[] ? U[] : V;
    type Writable<T> = { [K in keyof T]: Mutable<T[K]> };
    expectTypeOf<Writable<BearerAuthOptions>>().toExtend<z.input<typeof customOptionsSchema>>();
    expectTypeOf<Writable<BearerAuthIntrospectionOptions>>().toExtend<z.input<typeof introspectionOptionsSchema>>();
    expectTypeOf<Writable<BearerAuthJwtOptions>>().toExtend<z.input<typeof jwtOptionsSchema>>();
    expect(jwtOptionsSchema.safeParse({ requiredScopes: ['a'], cache: false }).success).toBe(true);
  });
});
