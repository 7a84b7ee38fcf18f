import { z } from "zod";

/** The operator's vendor feed form (and its `/api/v1` body): a portal admin's API token, and the account webhook's signing secret. */
export const vendorFeedForm = z.object({
  email: z.email("Enter the portal admin's email address.").max(254),
  apiToken: z.string().trim().min(1, "Enter the admin's API token.").max(200),
  /** Blank keeps the stored one (replacing only the credential); without any, the feed polls only. */
  webhookSecret: z
    .string()
    .trim()
    .max(200)
    .optional()
    .transform((v) => v || null),
});
export type VendorFeedForm = z.infer<typeof vendorFeedForm>;
