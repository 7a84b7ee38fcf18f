import { Layout } from "./layout";

export function ErrorPage({ status, title, detail }: { status: number; title: string; detail: string }) {
  return (
    <Layout title={title}>
      <section class="card">
        <h1>{title}</h1>
        <p class="muted">
          {detail} (HTTP {status})
        </p>
        <a href="/">Back to the dashboard</a>
      </section>
    </Layout>
  );
}
