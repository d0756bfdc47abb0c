/**
 * The one-page HTML report of a run: probability, risk group, the nomogram points of each
 * factor drawn as bars (inline SVG, no scripts, prints well), and the model card summary.
 */
import { formatPoints } from '@tace/modeling';
export interface ReportInput {
  runId: string;
  probability: number;
  riskGroup: 'low' | 'moderate' | 'high';
  totalPoints: number;
  points: Array<{ factor: string; value: number | string; unit?: string; points: number }>;
  model: { id: string; version: string; name: string; intendedUse: string; syntheticDemo: boolean; weightsSha256: string };
  disclaimer: string;
  modelCardSummary: string;
  validation?: { trainAuc?: number; testAuc?: number };
  riskThresholds?: { moderate: number; high: number };
  fhir?: { riskAssessment?: string; task?: string };
  generatedAt: string;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const FACTOR_LABEL: Record<string, string> = {
  dlrScore: 'DLR score (radiomics + deep learning)',
  tumourSizeMm: 'Tumour size',
  noduleCount: 'Number of nodules',
  log10AfpNgPerMl: 'AFP (log10)',
  afpAtLeastCutoff: 'AFP at or above the cut-off',
  afpNgPerMl: 'AFP',
};

function pointsSvg(points: ReportInput['points']): string {
  const w = 720;
  const rowH = 34;
  const labelW = 340;
  const barMax = w - labelW - 70;
  const h = rowH * points.length + 30;
  const rows = points
    .map((p, i) => {
      const y = 10 + i * rowH;
      const len = Math.max(0, Math.min(100, p.points)) / 100 * barMax;
      const v = typeof p.value !== 'number' ? p.value : Number.isInteger(p.value) ? String(p.value) : Math.abs(p.value) >= 100 ? p.value.toFixed(0) : p.value.toPrecision(3);
      const unit = p.unit && p.unit !== 'count' ? ` ${p.unit}` : '';
      return `<text x="0" y="${y + 17}" font-size="13">${esc(FACTOR_LABEL[p.factor] ?? p.factor)} = ${esc(String(v))}${esc(unit)}</text>
<rect x="${labelW}" y="${y + 4}" width="${len.toFixed(1)}" height="18" fill="#3b6ea8"/>
<text x="${(labelW + len + 6).toFixed(1)}" y="${y + 17}" font-size="13">${formatPoints([p.points])[0]}</text>`;
    })
    .join('\n');
  const axis = `<line x1="${labelW}" y1="${h - 18}" x2="${labelW + barMax}" y2="${h - 18}" stroke="#888"/>` +
    [0, 25, 50, 75, 100].map((t) => `<text x="${labelW + (t / 100) * barMax - 6}" y="${h - 4}" font-size="11" fill="#555">${t}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img" aria-label="Nomogram points per factor">${rows}${axis}</svg>`;
}

export function renderReport(r: ReportInput): string {
  const pct = (r.probability * 100).toFixed(1);
  const colour = r.riskGroup === 'high' ? '#b3261e' : r.riskGroup === 'moderate' ? '#b26a00' : '#2e7d32';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tace-risk report ${esc(r.runId)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:760px;margin:24px auto;color:#222}
.banner{background:#fff3cd;border:1px solid #d4a017;padding:8px 12px;font-weight:600}
.risk{font-size:28px;font-weight:700;color:${colour}} table{border-collapse:collapse} td{padding:2px 10px 2px 0}
small{color:#555}</style></head><body>
${r.model.syntheticDemo ? `<div class="banner">${esc(r.disclaimer)}</div>` : ''}
<h1>Risk of distant metastasis after TACE</h1>
<p class="risk">${pct}% — ${esc(r.riskGroup)} risk</p>
<p><small>Probability of distant metastasis predicted by the combined nomogram (DLR score + tumour size + nodules + AFP).
Risk groups: moderate from ${r.riskThresholds ? (r.riskThresholds.moderate * 100).toFixed(1) + '%' : '?'}, high from ${r.riskThresholds ? (r.riskThresholds.high * 100).toFixed(1) + '%' : '?'}.
Total points ${formatPoints([r.totalPoints])[0]} (whole points, rounded as rms prints a nomogram).</small></p>
<h2>Nomogram points per factor</h2>
${pointsSvg(r.points)}
<h2>Model</h2>
<table>
<tr><td>Model</td><td>${esc(r.model.name)} (${esc(r.model.id)} ${esc(r.model.version)})</td></tr>
<tr><td>Weights sha256</td><td><code>${esc(r.model.weightsSha256.slice(0, 16))}…</code></td></tr>
<tr><td>Intended use</td><td>${esc(r.model.intendedUse)}</td></tr>
${r.validation ? `<tr><td>Validation AUC</td><td>train ${r.validation.trainAuc?.toFixed(3) ?? '?'} · test ${r.validation.testAuc?.toFixed(3) ?? '?'}</td></tr>` : ''}
</table>
<p>${esc(r.modelCardSummary)}</p>
<h2>Record</h2>
<table>
<tr><td>Run</td><td><code>${esc(r.runId)}</code></td></tr>
${r.fhir?.riskAssessment ? `<tr><td>FHIR RiskAssessment</td><td><code>${esc(r.fhir.riskAssessment)}</code></td></tr>` : ''}
${r.fhir?.task ? `<tr><td>Worklist Task</td><td><code>${esc(r.fhir.task)}</code></td></tr>` : ''}
<tr><td>Generated</td><td>${esc(r.generatedAt)}</td></tr>
</table>
</body></html>
`;
}
