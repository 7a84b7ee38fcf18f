/** "2026-11-01 10:00 UTC" from an ISO timestamp (what every page shows before, or without, its script). */
function utcText(iso: string): string {
  return `${iso.slice(0, 16).replace("T", " ")} UTC`;
}

/**
 * A moment in a <time> element: UTC text that reads without a script or a locale, and a
 * UTC `title`; /static/app.js rewrites the text to the viewer's time zone, keeping the title.
 * `none` is what shows when there is no moment.
 */
export function Time({ iso, none = "—" }: { iso: string | null | undefined; none?: string }) {
  if (!iso) return <span class="muted">{none}</span>;
  const utc = utcText(iso);
  return (
    <time datetime={iso} title={utc}>
      {utc}
    </time>
  );
}
