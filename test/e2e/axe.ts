import axe from "axe-core";
import type { Page } from "playwright-core";

/** The WCAG levels the admin utility keeps (axe-core rule tags). */
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/**
 * axe-core's serious and critical violations on the page as it is now, one line each with
 * up to three offending elements. The page's context needs `bypassCSP`: axe is injected as an
 * inline script, which the utility's CSP (rightly) refuses.
 */
async function axeViolations(page: Page, label: string): Promise<string[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: axe.source });
  const violations = await page.evaluate(async (tags) => {
    const result = await (window as unknown as { axe: typeof axe }).axe.run(document, { runOnly: { type: "tag", values: tags } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  }, TAGS);
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${label}: ${v.id} (${v.impact}) ${v.help} — ${v.targets.join(" | ")}`);
}

/** Checks the page in light and then dark mode (the stylesheet follows prefers-color-scheme). */
export async function axeBothSchemes(page: Page, label: string): Promise<string[]> {
  await page.emulateMedia({ colorScheme: "light" });
  const light = await axeViolations(page, `${label} (light)`);
  await page.emulateMedia({ colorScheme: "dark" });
  const dark = await axeViolations(page, `${label} (dark)`);
  await page.emulateMedia({ colorScheme: "light" });
  return [...light, ...dark];
}
