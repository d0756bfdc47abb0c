/**
 * DIR/report.html of `tace-risk model develop`: the paper's table (AUC with 95 % CI for Rad, DL,
 * DLR and combined in each cohort; DeLong p between models), calibration with the
 * Hosmer–Lemeshow p and rms::val.prob figures, bootstrap internal validation, the plots (also
 * written as SVG files), the nomogram, and the model card in TRIPOD+AI order. One self-contained
 * file: inline SVG, no script, no external resource.
 */
import { escapeXml as esc } from './plots.ts';
import type { CohortEvaluation, ModelName } from './evaluate.ts';
import { MODEL_NAMES } from './evaluate.ts';

export interface ReportInput {
  title: string;
  bundle: { id: string; version: string; syntheticDemo: boolean; disclaimer: string };
  generatedAt: string;
  modelCard: ModelCardSection[];
  evaluations: CohortEvaluation[];
  internalValidation?: { B: number; rows: Array<{ index: string; original: number; training: number; test: number; optimism: number; corrected: number }> };
  warnings: Array<{ code: string; message: string }>;
  /** name → SVG text (also written beside the report). */
  figures: Array<{ file: string; caption: string; svg: string }>;
  equationTables: Array<{ title: string; columns: string[]; rows: Array<Array<string | number>> }>;
  screeningSummary: string;
}

export interface ModelCardSection {
  heading: string;
  /** Paragraphs (plain text, escaped). */
  body: string[];
}

/** Three decimals for AUCs and CIs, as the paper prints them. */
export const f3 = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : String(v));
/** p-values as journals print them: < 0.001, else 3 decimals. */
export const fp = (p: number): string => (!Number.isFinite(p) ? String(p) : p < 0.001 ? '< 0.001' : p.toFixed(3));

export function aucCell(a: { auc: number; ciLower: number; ciUpper: number }): string {
  return `${f3(a.auc)} (${f3(a.ciLower)}–${f3(a.ciUpper)})`;
}

function table(columns: string[], rows: Array<Array<string | number>>, caption?: string): string {
  const cell = (v: string | number) => esc(typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : v);
  return `<table>${caption ? `<caption>${esc(caption)}</caption>` : ''}<thead><tr>${columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((v) => `<td>${cell(v)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

export function aucTable(evals: CohortEvaluation[]): { columns: string[]; rows: string[][] } {
  const columns = ['Model', ...evals.map((e) => `${e.cohort} (n = ${e.n}, events ${e.events})`)];
  const rows = MODEL_NAMES.map((m) => [m === 'Combined' ? 'Combined (nomogram)' : m, ...evals.map((e) => aucCell(e.auc.find((a) => a.model === m) as ModelAuc))]);
  return { columns, rows };
}
type ModelAuc = CohortEvaluation['auc'][number];

export function renderReport(r: ReportInput): string {
  const css = `body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #bbb;padding:4px 8px;text-align:left;font-size:14px}
th{background:#f0f0f0}caption{text-align:left;font-weight:bold;margin-bottom:4px}.warn{background:#fff3cd;border:1px solid #e0c060;padding:8px 12px}
.demo{background:#fde2e2;border:2px solid #c0392b;padding:10px 14px;font-weight:bold}figure{display:inline-block;margin:8px}figcaption{font-size:13px;color:#555}`;
  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title><style>${css}</style></head><body>`);
  parts.push(`<h1>${esc(r.title)}</h1>`);
  parts.push(`<p>Bundle <code>${esc(r.bundle.id)}</code> version <code>${esc(r.bundle.version)}</code>, generated ${esc(r.generatedAt)} by <code>tace-risk model develop</code>.</p>`);
  if (r.bundle.syntheticDemo) parts.push(`<p class="demo">${esc(r.bundle.disclaimer)} — this model was trained on synthetic data and is for demonstration only.</p>`);
  if (r.warnings.length) {
    parts.push(`<div class="warn"><strong>Warnings</strong><ul>${r.warnings.map((w) => `<li><code>${esc(w.code)}</code> ${esc(w.message)}</li>`).join('')}</ul></div>`);
  }
  const at = aucTable(r.evaluations);
  parts.push('<h2>Discrimination</h2>');
  parts.push(table(at.columns, at.rows, 'AUC (95 % CI, DeLong) of each model in each cohort'));
  parts.push(
    table(
      ['Comparison', ...r.evaluations.map((e) => e.cohort)],
      r.evaluations[0].delong.map((d, k) => [`${d.a} vs ${d.b}`, ...r.evaluations.map((e) => fp(e.delong[k].pValue))]),
      'DeLong test p (paired, two-sided)',
    ),
  );
  parts.push('<h2>Calibration and clinical usefulness of the combined model</h2>');
  parts.push(
    table(
      ['Cohort', 'HL χ²', 'HL df', 'HL p', 'Intercept', 'Slope', 'CITL', 'Brier', 'Emax', 'Eavg', 'Spiegelhalter z', 'p', 'Threshold', 'Sensitivity', 'Specificity'],
      r.evaluations.map((e) => [
        e.cohort,
        e.hosmerLemeshow.statistic.toFixed(3),
        e.hosmerLemeshow.df,
        fp(e.hosmerLemeshow.pValue),
        e.valProb.intercept.toFixed(3),
        e.valProb.slope.toFixed(3),
        e.valProb.calibrationInTheLarge.toFixed(3),
        e.valProb.brier.toFixed(3),
        e.valProb.emax.toFixed(3),
        e.valProb.eavg.toFixed(3),
        e.valProb.spiegelhalterZ.toFixed(3),
        fp(e.valProb.spiegelhalterP),
        e.atThreshold.threshold.toFixed(3),
        e.atThreshold.sensitivity.toFixed(3),
        e.atThreshold.specificity.toFixed(3),
      ]),
      `Hosmer–Lemeshow (g = ${r.evaluations[0]?.hosmerLemeshow.g ?? 10}, as ResourceSelection::hoslem.test) and rms::val.prob figures; CITL = calibration-in-the-large`,
    ),
  );
  if (r.internalValidation) {
    const iv = r.internalValidation;
    parts.push(
      table(
        ['Index', 'Original', 'Training', 'Test', 'Optimism', 'Corrected'],
        iv.rows.map((x) => [x.index, x.original.toFixed(4), x.training.toFixed(4), x.test.toFixed(4), x.optimism.toFixed(4), x.corrected.toFixed(4)]),
        `Bootstrap internal validation of the whole pipeline (screening + LASSO + fusion + combined model refitted in each of B = ${iv.B} resamples; rms::validate, Efron–Gong optimism)`,
      ),
    );
  }
  parts.push('<h2>Figures</h2>');
  for (const f of r.figures) parts.push(`<figure>${f.svg.replace(/^<\?xml[^>]*>\s*/, '')}<figcaption>${esc(f.caption)} (<a href="${esc(f.file)}">${esc(f.file)}</a>)</figcaption></figure>`);
  parts.push('<h2>Model card (TRIPOD+AI order)</h2>');
  for (const s of r.modelCard) {
    parts.push(`<h3>${esc(s.heading)}</h3>`);
    for (const b of s.body) parts.push(`<p>${esc(b)}</p>`);
    if (s.heading.startsWith('5')) {
      for (const t of r.equationTables) parts.push(table(t.columns, t.rows, t.title));
    }
  }
  parts.push(`<h3>Screening</h3><p>${esc(r.screeningSummary)}</p>`);
  parts.push('</body></html>');
  return `${parts.join('\n')}\n`;
}

export type { ModelName };
