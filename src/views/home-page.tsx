import { Layout } from "./layout";

export interface HomePageProps {
  user: { email: string; role: string };
  tenantName: string | null;
  csrfToken: string;
}

/** The signed-in landing page; the full dashboard grows here. */
export function HomePage({ user, tenantName, csrfToken }: HomePageProps) {
  return (
    <Layout title="Dashboard" user={user} csrfToken={csrfToken}>
      <section class="card">
        <h1>{tenantName ?? "Operator console"}</h1>
        <p class="muted">
          Signed in as {user.email} ({user.role.replace("_", " ")}).
        </p>
      </section>
    </Layout>
  );
}
