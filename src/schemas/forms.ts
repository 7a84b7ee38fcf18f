import { z } from "zod";

export const loginForm = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email().max(254)),
  password: z.string().min(1).max(1024),
});

/** An alert webhook address as typed (Teams, Slack …); where it may point is the egress policy's call (`alertDestinationProblem` in alerts/). */
export const alertWebhookUrl = z.string().trim().max(2000).url("Enter the webhook's full address, starting with https://");
