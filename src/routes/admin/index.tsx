import { Hono } from "hono";
import { HomePage } from "../../views/home-page";
import { APP_CSS } from "../../views/styles";
import { authRoutes } from "./auth";
import { requireSession, type AdminEnv } from "./session";

/** The server-rendered admin utility. */
export const adminRoutes = new Hono<AdminEnv>();

adminRoutes.get("/static/app.css", (c) =>
  c.body(APP_CSS, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=300" }),
);
adminRoutes.route("/", authRoutes);
adminRoutes.get("/", requireSession, (c) => {
  const user = c.get("user");
  return c.html(<HomePage user={user} tenantName={user.tenantName} csrfToken={c.get("csrfToken")} />);
});
