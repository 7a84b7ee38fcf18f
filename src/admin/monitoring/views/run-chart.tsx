export interface ChartRun {
  id: string;
  startedAt: string;
  status: string;
  synced: number;
  failed: number;
}

const W = 640;
const H = 160;
const PAD = 24;

/**
 * Server-rendered SVG bar chart of recent runs: synced (stacked under) failed tickets.
 * Each bar is a link with a <title> (tooltip) and a label; the chart is a labelled SVG, not
 * role="img": an image's content is presentational and may hold no links.
 * The table fallback is the runs page itself.
 */
export function RunChart({ runs, tenantId }: { runs: ChartRun[]; tenantId: string }) {
  if (runs.length === 0) return <p class="muted">No runs yet. The first scheduled run starts within five minutes of connecting both systems.</p>;
  const max = Math.max(1, ...runs.map((r) => r.synced + r.failed));
  const slot = (W - PAD) / 30;
  const bar = Math.max(4, slot - 4);
  const scale = (n: number) => (n / max) * (H - PAD);
  const synced = runs.reduce((s, r) => s + r.synced, 0);
  const failed = runs.reduce((s, r) => s + r.failed, 0);
  const label = `Tickets per run, last ${runs.length} runs: ${synced} synced, ${failed} failed in total; the busiest run handled ${max}.`;
  return (
    <figure class="run-chart">
      <svg viewBox={`0 0 ${W} ${H}`} aria-label={label} xmlns="http://www.w3.org/2000/svg">
        <line class="axis" x1={PAD} y1={H - PAD} x2={W} y2={H - PAD} />
        <text class="tick" x={PAD - 4} y={12} text-anchor="end">
          {max}
        </text>
        <text class="tick" x={PAD - 4} y={H - PAD} text-anchor="end">
          0
        </text>
        {runs.map((r, i) => {
          const x = PAD + i * slot + 2;
          const hs = scale(r.synced);
          const hf = scale(r.failed);
          const name = `Run of ${r.startedAt.replace("T", " ").slice(0, 16)} UTC · ${r.status}: ${r.synced} synced, ${r.failed} failed`;
          return (
            <a href={`/t/${tenantId}/runs/${r.id}`} aria-label={name}>
              <title>{name}</title>
              <rect class="bar-synced" x={x} y={H - PAD - hs} width={bar} height={hs} />
              <rect class="bar-failed" x={x} y={H - PAD - hs - hf} width={bar} height={hf} />
              {r.synced + r.failed === 0 ? <rect class="bar-empty" x={x} y={H - PAD - 2} width={bar} height={2} /> : null}
            </a>
          );
        })}
      </svg>
      <figcaption class="muted">
        <span class="key key-synced" /> synced <span class="key key-failed" /> failed — tickets per run, oldest on the left; click a bar for the run.
      </figcaption>
    </figure>
  );
}
