import { z } from "zod";
import type { ConnectWiseRow } from "../db/queries/configuration";
import { connectwiseTarget, egressFetch } from "../egress/fetch";
import type { Logger } from "../lib/log";
import { openSecret } from "../lib/secret-binding";
import type { ConnectwiseCallback } from "../schemas/webhooks";
import { fetchSigningKey, forgetSigningKey, keyUrlProblem } from "./callback-key";
import { connectwiseSignatureValid, portalSignatureValid, timestampFresh } from "./signatures";

/** Zendesk's signature headers of one delivery ("" when absent). */
export interface PortalSignature {
  signature: string;
  timestamp: string;
}

/** Zendesk's signature over the raw body, within the timestamp window, by the stored secret. */
export async function portalDeliverySigned(env: Env, raw: string, sent: PortalSignature, sealedSecret: string, binding: string, log: Logger): Promise<boolean> {
  if (!sent.signature || !sent.timestamp || !timestampFresh(sent.timestamp, Date.now())) {
    log.warn("hook.refused", { code: sent.signature ? "stale" : "unsigned" });
    return false;
  }
  const secret = await openSecret(env, sealedSecret, binding, z.string());
  if (secret === null || !(await portalSignatureValid(raw, sent.signature, sent.timestamp, secret))) {
    log.warn("hook.refused", { code: "bad_signature" });
    return false;
  }
  return true;
}

/**
 * A ConnectWise callback's signature by its company's key. Only the tenant's own company's
 * key can sign its callbacks (and the signed body must say so); a key that fails is fetched
 * once more, as it may have been rotated since it was cached.
 */
export async function connectwiseCallbackSigned(
  env: Env,
  tenantId: string,
  connectwise: Pick<ConnectWiseRow, "site" | "companyId" | "clientId">,
  cb: ConnectwiseCallback,
  raw: string,
  signature: string,
  log: Logger,
): Promise<boolean> {
  if (!signature) {
    log.warn("hook.refused", { code: "unsigned" });
    return false;
  }
  const keyProblem = keyUrlProblem(cb.Metadata.key_url, connectwise);
  if (keyProblem || cb.CompanyId.toLowerCase() !== connectwise.companyId.toLowerCase()) {
    log.warn("hook.refused", { code: keyProblem ?? "foreign_company" });
    return false;
  }
  // Through the egress policy like every call, but outside the call budget: a busy tenant's
  // syncs must not make its own callbacks fail verification.
  const egress = egressFetch(env, "connectwise", { target: await connectwiseTarget(env, tenantId, connectwise.site) });
  const fetchKey = (u: string, i: RequestInit) => egress(u, { ...i, headers: { clientId: connectwise.clientId } });
  let key = await fetchSigningKey(cb.Metadata.key_url, fetchKey);
  let valid = key !== null && (await connectwiseSignatureValid(raw, signature, key));
  if (!valid && key !== null) {
    forgetSigningKey(cb.Metadata.key_url);
    key = await fetchSigningKey(cb.Metadata.key_url, fetchKey);
    valid = key !== null && (await connectwiseSignatureValid(raw, signature, key));
  }
  if (!valid) log.warn("hook.refused", { code: "bad_signature" });
  return valid;
}
