/**
 * Standalone SVG line charts for the development report (ROC curves, calibration curves, decision
 * curves): no script, no external font or stylesheet, text XML-escaped, so the files open in any
 * browser and embed in the HTML report as they are.
 */
import { pretty } from '@tace/modeling';

export interface Series {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  /** Draw as markers (binned calibration) instead of a line. */
  markers?: boolean;
  dashed?: boolean;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  x: readonly [number, number];
  y: readonly [number, number];
  series: Series[];
  /** Draw the y = x reference line (calibration, ROC chance). */
  diagonal?: boolean;
  width?: number;
  height?: number;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#7f7f7f'];

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

const n2 = (v: number) => (Math.round(v * 100) / 100).toString();

/** Tick label as R formats a pretty() value: shortest decimal that round-trips, no 0.30000000000000004. */
export function tickLabel(v: number): string {
  return String(Number(v.toPrecision(12)));
}

export function lineChart(spec: ChartSpec): string {
  const W = spec.width ?? 520;
  const H = spec.height ?? 420;
  const m = { l: 64, r: 16, t: 36, b: 56 };
  const legendH = 18 * spec.series.length;
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b - legendH;
  const [x0, x1] = spec.x;
  const [y0, y1] = spec.y;
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.t + ph - ((Math.max(y0, Math.min(y1, y)) - y0) / (y1 - y0)) * ph;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<title>${escapeXml(spec.title)}</title>`);
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(spec.title)}</text>`);
  // axes and grid
  for (const t of pretty([x0, x1], 5).filter((v) => v >= x0 - 1e-12 && v <= x1 + 1e-12)) {
    parts.push(`<line x1="${n2(sx(t))}" y1="${m.t}" x2="${n2(sx(t))}" y2="${m.t + ph}" stroke="#eee"/>`);
    parts.push(`<text x="${n2(sx(t))}" y="${m.t + ph + 16}" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  for (const t of pretty([y0, y1], 5).filter((v) => v >= y0 - 1e-12 && v <= y1 + 1e-12)) {
    parts.push(`<line x1="${m.l}" y1="${n2(sy(t))}" x2="${m.l + pw}" y2="${n2(sy(t))}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 6}" y="${n2(sy(t) + 4)}" text-anchor="end">${tickLabel(t)}</text>`);
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${m.l + pw / 2}" y="${m.t + ph + 36}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`);
  parts.push(`<text x="16" y="${m.t + ph / 2}" text-anchor="middle" transform="rotate(-90 16 ${m.t + ph / 2})">${escapeXml(spec.yLabel)}</text>`);
  if (spec.diagonal) {
    const a = Math.max(x0, y0);
    const b = Math.min(x1, y1);
    parts.push(`<line x1="${n2(sx(a))}" y1="${n2(sy(a))}" x2="${n2(sx(b))}" y2="${n2(sy(b))}" stroke="#999" stroke-dasharray="4 4"/>`);
  }
  spec.series.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length];
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && x >= x0 && x <= x1);
    if (s.markers) {
      for (const [x, y] of pts) parts.push(`<circle cx="${n2(sx(x))}" cy="${n2(sy(y))}" r="3.5" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    } else if (pts.length > 0) {
      const d = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${n2(sx(x))} ${n2(sy(y))}`).join(' ');
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="6 3"' : ''}/>`);
    }
    const ly = H - legendH - 8 + 18 * k + 12;
    parts.push(`<line x1="${m.l}" y1="${ly - 4}" x2="${m.l + 24}" y2="${ly - 4}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 3"' : ''}/>`);
    parts.push(`<text x="${m.l + 30}" y="${ly}">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
