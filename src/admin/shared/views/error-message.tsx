/** The body of an error page (the layout comes from `c.render`). */
export function ErrorMessage({ status, title, detail }: { status: number; title: string; detail: string }) {
  return (
    <section class="card">
      <h1>{title}</h1>
      <p class="muted">
        {detail} (HTTP {status})
      </p>
      <a href="/">Back to the dashboard</a>
    </section>
  );
}
