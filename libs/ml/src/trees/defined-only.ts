/** Drops keys whose value is undefined, so `{ ...defaults, ...definedOnly(params) }` keeps the defaults. */
export function definedOnly<T extends object>(params: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(params) as (keyof T)[]) if (params[key] !== undefined) out[key] = params[key];
  return out;
}
