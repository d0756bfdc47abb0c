import { TaceError } from '@tace/common';
import { formatNumbers, formatValue, type Nomogram } from './nomogram.ts';

export interface NomogramSvgOptions {
  /** Title above the nomogram (none by default). */
  title?: string;
  /** Width of the picture in px (default 900; at least 300). */
  width?: number;
  /** Title of the risk axis (default: the nomogram's funLabel, e.g. "Risk of distant metastasis"). */
  riskLabel?: string;
  /** Title of the top axis (rms points.label, "Points"). */
  pointsLabel?: string;
  /** Title of the total-points axis (rms total.points.label, "Total Points"). */
  totalPointsLabel?: string;
  /** Also draw the linear-predictor axis, as rms's plot does with lp = TRUE (default false). */
  showLinearPredictor?: boolean;
  /** Title of the linear-predictor axis (rms lplabel). */
  lpLabel?: string;
  /** Share of the points range given to the axis titles on the left (rms xfrac, 0.35). */
  xfrac?: number;
}

/** Text for XML character data and attribute values. */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function n2(x: number): string {
  const s = x.toFixed(2);
  return s === '-0.00' ? '0.00' : s;
}

/** R's seq(from, to, by) for by > 0 (seq.default: from + (0:n)·by, n = ⌊(to − from)/by + 1e-10⌋, capped at to). */
function seqBy(from: number, to: number, by: number): number[] {
  const n = Math.floor((to - from) / by + 1e-10);
  const out: number[] = [];
  for (let i = 0; i <= n; i++) out.push(Math.min(from + i * by, to));
  return out;
}

/**
 * Labels of one predictor axis after rms's plot.nomogram merges runs of equal points: a run of ticks
 * with the same points gets one label "first-last" ("first+" when the run ends the axis of a
 * continuous variable).
 */
function mergeFlatRuns(points: readonly number[], labels: readonly string[], discrete: boolean): { points: number[]; labels: string[] } {
  const xt: number[] = [];
  const fx: string[] = [];
  let is = 0;
  while (is < points.length) {
    let ie = is;
    while (ie + 1 < points.length && points[ie + 1] === points[is]) ie++;
    if (ie > is) fx.push(discrete || ie < points.length - 1 ? `${labels[is]}-${labels[ie]}` : `${labels[is]}+`);
    else fx.push(labels[is]);
    xt.push(points[ie]);
    is = ie + 1;
  }
  return { points: xt, labels: fx };
}

/**
 * The monotone runs [first, last] of a continuous axis's ticks as rms's plot.nomogram splits them:
 * a run ends where the points change direction, ch = c(FALSE, FALSE, diff(diff(xt) > 0) != 0), the
 * turning tick closing the run before it. One run for a monotone axis. (When the direction changes
 * at the very last tick, rms 6.5 leaves that tick unlabelled — its run list stops short; here it
 * forms a run of its own.)
 */
function monotoneRuns(points: readonly number[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let is = 0;
  for (let i = 2; i < points.length; i++) {
    const up1 = points[i - 1] - points[i - 2] > 0;
    const up2 = points[i] - points[i - 1] > 0;
    if (up1 !== up2) {
      runs.push([is, i - 1]);
      is = i;
    }
  }
  runs.push([is, points.length - 1]);
  return runs;
}

/** Approximate width in px of a tick label (11 px sans-serif digits are about 6.2 px wide). */
function labelWidth(label: string): number {
  return label.length * 6.2;
}

/** Do neighbouring labels, centred at xs, overlap (with a 3 px gap)? */
function crowded(xs: readonly number[], labels: readonly string[]): boolean {
  const idx = xs.map((_, i) => i).sort((i, j) => xs[i] - xs[j]);
  for (let k = 1; k < idx.length; k++) {
    const a = idx[k - 1];
    const b = idx[k];
    if (xs[b] - xs[a] < (labelWidth(labels[a]) + labelWidth(labels[b])) / 2 + 3) return true;
  }
  return false;
}

/**
 * A standalone SVG picture (no external fonts, scripts or links) of a nomogram laid out as rms's
 * plot.nomogram draws it: the "Points" axis (pretty(0…pointsScale)) on top with its minor ticks, one
 * axis per predictor with each tick label at its points (discrete variables alternate labels below
 * and above, as rms does; an axis that is not monotonic — a spline that rises and falls — has each
 * monotone run of ticks labelled on alternate sides, below then above, as rms does), the "Total Points" axis — rescaled, as rms does, so that its largest tick
 * sits under the right end of the Points axis — optionally the linear predictor, and the risk axis.
 * Where R's axis() would drop labels that collide, every label is kept and they alternate below and
 * above the axis instead.
 * Every tick is a <text class="tick-label"> carrying data-axis and data-value (points, or total points
 * on the bottom axes) so that positions can be checked. Text is XML-escaped.
 */
export function nomogramSvg(nomogram: Nomogram, options: NomogramSvgOptions = {}): string {
  const width = options.width ?? 900;
  if (!(width >= 300) || !Number.isFinite(width)) {
    throw new TaceError('MODEL_INVALID_ARGUMENT', `SVG width must be a number ≥ 300, got ${width}`, { detail: { width } });
  }
  const xfrac = options.xfrac ?? 0.35;
  const maxscale = nomogram.pointsScale;
  const newMax = Math.max(...nomogram.totalPoints);
  const xl = -xfrac * maxscale;
  const marginL = 10;
  const marginR = 30;
  const rowH = 46;
  const titleH = options.title ? 34 : 0;
  const top = 20 + titleH;
  // points (0…maxscale) → px; total points t → the position of t·maxscale/newMax
  const px = (u: number): number => marginL + ((u - xl) / (maxscale - xl)) * (width - marginL - marginR);
  const pxTotal = (t: number): number => px((t * maxscale) / newMax);

  const rows: string[] = [];
  let row = 0;
  const rowY = (): number => top + 18 + row * rowH;

  const axisTitle = (y: number, text: string): string =>
    `<text class="axis-title" x="${n2(px(xl))}" y="${n2(y + 4)}" font-size="13">${esc(text)}</text>`;

  /** An axis line with ticks and labels; side 1 = labels below, 3 = above. */
  const drawAxis = (
    name: string, y: number, at: readonly number[], labels: readonly string[], sides: readonly (1 | 3)[],
    pos: (v: number) => number, minor: readonly number[] = [], tiers: readonly number[] = [],
  ): string => {
    const parts: string[] = [`<g class="axis" data-axis="${esc(name)}">`];
    const xs = at.map(pos);
    parts.push(`<line x1="${n2(Math.min(...xs))}" y1="${n2(y)}" x2="${n2(Math.max(...xs))}" y2="${n2(y)}" stroke="#000" stroke-width="1"/>`);
    at.forEach((v, i) => {
      const x = xs[i];
      const dir = sides[i] === 3 ? -1 : 1;
      parts.push(`<line class="tick" x1="${n2(x)}" y1="${n2(y)}" x2="${n2(x)}" y2="${n2(y + dir * 6)}" stroke="#000" stroke-width="1"/>`);
      // tier 1: a second line of labels, further from the axis (crowded labels of one monotone run)
      const off = 10 * (tiers[i] ?? 0);
      const ty = sides[i] === 3 ? y - 9 - off : y + 18 + off;
      parts.push(`<text class="tick-label" data-axis="${esc(name)}" data-value="${v}" x="${n2(x)}" y="${n2(ty)}" font-size="11" text-anchor="middle">${esc(labels[i])}</text>`);
    });
    for (const v of minor) {
      const x = pos(v);
      const dir = sides[0] === 3 ? -1 : 1;
      parts.push(`<line class="minor-tick" x1="${n2(x)}" y1="${n2(y)}" x2="${n2(x)}" y2="${n2(y + dir * 3)}" stroke="#000" stroke-width="1"/>`);
    }
    parts.push('</g>');
    return parts.join('');
  };

  // Points axis on top (rms newpage(): pretty(c(0, maxscale), nint), minor ticks at quarters)
  {
    const y = rowY() + 8;
    const x = nomogram.pointsAxis;
    const dif = x[1] - x[0];
    const mid = seqBy((x[0] + x[1]) / 2, Math.max(...x), dif);
    const minor = [...mid.map((m) => m - dif / 4), ...mid, ...mid.map((m) => m + dif / 4)].sort((a, b) => a - b);
    rows.push(axisTitle(y, options.pointsLabel ?? 'Points'));
    rows.push(drawAxis('points', y, x, formatNumbers(x, { trim: true }), x.map(() => 3), px, minor));
    row++;
  }

  for (const a of nomogram.axes) {
    const y = rowY();
    const merged = mergeFlatRuns(a.points, a.labels, a.discrete);
    let sides: (1 | 3)[] = merged.points.map(() => 1);
    if (a.discrete && merged.points.length > 1) {
      // rms: order the ticks by points; odd ones labelled below, even ones above
      const order = merged.points.map((_, i) => i).sort((i, j) => merged.points[i] - merged.points[j]);
      sides = merged.points.map(() => 1);
      order.forEach((idx, k) => {
        sides[idx] = k % 2 === 0 ? 1 : 3;
      });
    }
    const runs = a.discrete ? [] : monotoneRuns(merged.points);
    let tiers: number[] = [];
    if (runs.length > 1) {
      // a spline axis that rises and falls: rms labels each monotone run of ticks on alternate
      // sides (below, above, below, …), every tick at its own points; where R's axis() would drop
      // crowded labels of a run, they alternate between two lines on the run's side instead
      sides = merged.points.map(() => 1);
      tiers = merged.points.map(() => 0);
      runs.forEach(([is, ie], r) => {
        const idx = Array.from({ length: ie - is + 1 }, (_, k) => is + k);
        const crowdedRun = crowded(idx.map((i) => px(merged.points[i])), idx.map((i) => merged.labels[i]));
        idx.forEach((i, k) => {
          sides[i] = r % 2 === 0 ? 1 : 3;
          if (crowdedRun) tiers[i] = k % 2;
        });
      });
    } else if (!a.discrete && crowded(merged.points.map(px), merged.labels)) {
      // rms (R's axis()) would drop labels that overlap; every label is kept here, alternating
      // below and above the axis instead
      sides = merged.points.map((_, i) => (i % 2 === 0 ? 1 : 3));
    }
    rows.push(axisTitle(y, a.label));
    rows.push(drawAxis(a.name, y, merged.points, merged.labels, sides, px, [], tiers));
    row++;
  }

  {
    const y = rowY();
    const x = nomogram.totalPoints;
    const minor = seqBy(x[0], newMax, (x[1] - x[0]) / 5);
    rows.push(axisTitle(y, options.totalPointsLabel ?? 'Total Points'));
    rows.push(drawAxis('total-points', y, x, formatNumbers(x, { trim: true }), x.map(() => 1), pxTotal, minor));
    row++;
  }

  if (options.showLinearPredictor) {
    const y = rowY();
    rows.push(axisTitle(y, options.lpLabel ?? 'Linear Predictor'));
    rows.push(drawAxis('linear-predictor', y, nomogram.lp.points, nomogram.lp.at.map((v) => formatValue(v)), nomogram.lp.points.map(() => 1), pxTotal));
    row++;
  }

  if (nomogram.fun.points.length > 0) {
    const y = rowY();
    rows.push(axisTitle(y, options.riskLabel ?? nomogram.fun.label));
    rows.push(drawAxis('risk', y, nomogram.fun.points, nomogram.fun.labels, nomogram.fun.points.map(() => 1), pxTotal));
    row++;
  }

  const height = Math.ceil(top + row * rowH + 10);
  const title = options.title
    ? `<text class="title" x="${n2(width / 2)}" y="24" font-size="16" font-weight="bold" text-anchor="middle">${esc(options.title)}</text>`
    : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="Helvetica, Arial, sans-serif" role="img"${options.title ? ` aria-label="${esc(options.title)}"` : ''}>` +
    `<rect width="100%" height="100%" fill="#fff"/>${title}${rows.join('')}</svg>`
  );
}
