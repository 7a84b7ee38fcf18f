import { z } from "zod";

/** The sign-in form has one message for whatever is missing or malformed. */
const ENTER_BOTH = "Enter your email address and password.";
export const loginForm = z.object({
  email: z.string(ENTER_BOTH).trim().toLowerCase().pipe(z.email(ENTER_BOTH).max(254, ENTER_BOTH)),
  password: z.string(ENTER_BOTH).min(1, ENTER_BOTH).max(1024, ENTER_BOTH),
});

/** An alert webhook address as typed (Teams, Slack …); where it may point is the egress policy's call (`alertDestinationProblem` in alerts/). */
export const alertWebhookUrl = z.string().trim().max(2000).url("Enter the webhook's full address, starting with https://");
