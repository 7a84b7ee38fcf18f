import { env } from "cloudflare:test";

/**
 * Deployed D1 refuses a statement that binds more than 100 values ("too many SQL
 * variables"); local D1 does not. The test binding enforces it, so a query that would
 * fail in production fails here too. One prototype serves every D1 statement of this
 * isolate: the Worker's own, its queue consumers' and its Durable Objects'.
 */
export const D1_MAX_BOUND_PARAMETERS = 100;

type Bindable = { bind(...values: unknown[]): unknown };
const proto = Object.getPrototypeOf(env.DB.prepare("SELECT 1")) as Bindable & { boundLimitEnforced?: true };
if (!proto.boundLimitEnforced) {
  const bind = proto.bind;
  proto.bind = function (this: Bindable, ...values: unknown[]) {
    if (values.length > D1_MAX_BOUND_PARAMETERS)
      throw new Error(`D1_ERROR: too many SQL variables: ${values.length} bound, D1 allows ${D1_MAX_BOUND_PARAMETERS}`);
    return bind.apply(this, values);
  };
  proto.boundLimitEnforced = true;
}
