/** A small SVG bar chart of ratios to the no-auth route: one group per (alg, scenario). */

interface ChartRow {
  alg: string;
  scenario: string;
  variant: string;
  ratio: number;
}

const COLORS = ['#2563eb', '#9ca3af', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6'];

export function renderChart(rows: ChartRow[], variants: string[], scenarios: string[], algs: string[]): string {
  const groups = algs.flatMap((alg) => scenarios.map((scenario) => ({ alg, scenario })));
  const bar = 14;
  const groupWidth = variants.length * bar + 24;
  const left = 48;
  const top = 40;
  const height = 220;
  const width = left + groups.length * groupWidth + 20;
  const y = (ratio: number) => top + height - Math.min(ratio, 1.1) * (height / 1.1);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + height + 90}" font-family="sans-serif" font-size="11">`,
    `<text x="${left}" y="18" font-size="13">Requests per second as a fraction of the same route without auth (higher is better)</text>`,
  ];
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${left}" x2="${width - 10}" y1="${y(tick)}" y2="${y(tick)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${left - 6}" y="${y(tick) + 4}" text-anchor="end">${tick.toFixed(2)}</text>`);
  }
  groups.forEach((g, gi) => {
    const x0 = left + gi * groupWidth + 12;
    variants.forEach((v, vi) => {
      const row = rows.find((r) => r.alg === g.alg && r.scenario === g.scenario && r.variant === v);
      if (!row) return;
      const ratio = row.ratio;
      parts.push(
        `<rect x="${x0 + vi * bar}" y="${y(ratio)}" width="${bar - 2}" height="${top + height - y(ratio)}" fill="${COLORS[vi % COLORS.length]}"><title>${v}: ${ratio.toFixed(2)}</title></rect>`,
      );
    });
    parts.push(`<text x="${x0}" y="${top + height + 14}">${g.alg}</text>`);
    parts.push(`<text x="${x0}" y="${top + height + 27}">${g.scenario}</text>`);
  });
  variants.forEach((v, vi) => {
    const x = left + (vi % 3) * 220;
    const yy = top + height + 50 + Math.floor(vi / 3) * 16;
    parts.push(`<rect x="${x}" y="${yy - 9}" width="10" height="10" fill="${COLORS[vi % COLORS.length]}"/>`);
    parts.push(`<text x="${x + 14}" y="${yy}">${v}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
