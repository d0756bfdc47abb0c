import { describe, expect, it } from 'vitest';
import { renderReport, type ReportInput } from './report.ts';

const input: ReportInput = {
  runId: 'run-0123',
  probability: 0.4321,
  riskGroup: 'high',
  totalPoints: 150,
  points: [
    { factor: 'dlrScore', value: 1.5, points: 100 },
    { factor: 'noduleCount', value: 3, unit: 'count', points: 40 },
    { factor: 'tumourSizeMm', value: 80, unit: 'mm', points: 10 },
  ],
  model: { id: 'm', version: '1.2.3', name: 'Model <b>x</b>', intendedUse: 'demo', syntheticDemo: true, weightsSha256: 'ab'.repeat(32) },
  disclaimer: 'synthetic demonstration model — not for clinical use',
  modelCardSummary: 'summary & more',
  riskThresholds: { moderate: 0.1, high: 0.4 },
  generatedAt: '2026-01-01T00:00:00Z',
};

describe('renderReport', () => {
  const html = renderReport(input);
  it('states the probability, risk group, model version and the synthetic notice', () => {
    expect(html).toContain('43.2% — high risk');
    expect(html).toContain('1.2.3');
    expect(html).toContain('synthetic demonstration model — not for clinical use');
    expect(html).toContain('high from 40.0%');
  });
  it('draws one bar per factor, scaled to its points', () => {
    const widths = [...html.matchAll(/<rect x="\d+" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(3);
    expect(widths[1]! / widths[0]!).toBeCloseTo(0.4, 6);
    expect(html).toContain('Number of nodules = 3<');
  });
  it('escapes text from the bundle', () => {
    expect(html).toContain('Model &lt;b&gt;x&lt;/b&gt;');
    expect(html).toContain('summary &amp; more');
    expect(html).not.toContain('<b>x</b>');
  });
  it('omits the notice for a non-synthetic model', () => {
    expect(renderReport({ ...input, model: { ...input.model, syntheticDemo: false } })).not.toContain('class="banner"');
  });
});
