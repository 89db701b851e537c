/**
 * Who asks the reconciler: a tenant, through its API key on the HTTP API (its own properties
 * only), or the operator, through the local socket of the reconcile command (every property).
 */
export type Caller = { readonly kind: 'tenant'; readonly tenantId: string } | { readonly kind: 'operator' };

/** What a pass covers: one property or all, of one tenant or (tenantId null) of every tenant. */
export interface PassScope {
  readonly tenantId: string | null;
  readonly propertyId: string | null;
}

/** Every property of every tenant: the scheduled pass, and the operator's pass over all. */
export const EVERYTHING: PassScope = { tenantId: null, propertyId: null };

export function scopeOf(caller: Caller, propertyId: string | undefined): PassScope {
  switch (caller.kind) {
    case 'tenant':
      return { tenantId: caller.tenantId, propertyId: propertyId ?? null };
    case 'operator':
      return { tenantId: null, propertyId: propertyId ?? null };
    default: {
      const never: never = caller;
      throw new Error(`unknown caller ${JSON.stringify(never)}`);
    }
  }
}

/** The key one running on-demand pass holds (reconcile.passes.scope_key); unambiguous whatever the ids hold. */
export function scopeKey(scope: PassScope): string {
  return JSON.stringify([scope.tenantId, scope.propertyId]);
}

/** The tenant a caller reads as (null: the operator reads every tenant's passes). */
export function tenantOf(caller: Caller): string | null {
  return caller.kind === 'tenant' ? caller.tenantId : null;
}
