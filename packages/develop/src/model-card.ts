/**
 * The model card of a developed bundle, in TRIPOD+AI order: outcome and horizon; cohorts and events;
 * missing data; predictors and their handling; the full equation; discrimination and calibration
 * with CIs; limitations. Written into the report and as the bundle's MODEL_CARD.md.
 */
import type { BootstrapOutcome } from './bootstrap-pool.ts';
import type { DevelopConfig } from './config.ts';
import type { CohortEvaluation } from './evaluate.ts';
import type { LoadedCohort } from './load.ts';
import type { DevelopData, FittedPipeline, LinearScore } from './pipeline.ts';
import { aucCell, aucTable, fp, type ModelCardSection } from './report.ts';

const g = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(6)).toString() : String(v));

function equation(name: string, s: LinearScore): string {
  const terms = s.names.map((n, j) => `${s.coefficients[j] >= 0 ? '+' : '−'} ${g(Math.abs(s.coefficients[j]))} × ${n}`);
  return `${name} = ${g(s.intercept)} ${terms.join(' ')}`.trim();
}

export function equationTables(f: FittedPipeline, _d: DevelopData): Array<{ title: string; columns: string[]; rows: Array<Array<string | number>> }> {
  const fit = f.combined.fit;
  return [
    {
      title: `Combined model (${fit.method === 'firth' ? "Firth's penalised likelihood, profile CIs" : 'maximum likelihood, Wald CIs'}; n = ${fit.n}, events ${fit.events}, EPV ${fit.epv.toFixed(1)})`,
      columns: ['Term', 'β', 'SE', 'z', 'p', 'OR (95 % CI)'],
      rows: fit.coefficients.map((c) => [
        c.name,
        g(c.estimate),
        g(c.se),
        c.z.toFixed(2),
        fp(c.profile?.p ?? c.p),
        c.name === '(Intercept)' ? '' : `${g(c.oddsRatio)} (${g(c.profile?.orLower ?? c.orLower)}–${g(c.profile?.orUpper ?? c.orUpper)})`,
      ]),
    },
    {
      title: 'Rad score (LASSO logistic, coefficients on the original feature scale)',
      columns: ['Feature', 'Coefficient'],
      rows: [['(Intercept)', g(f.rad.intercept)], ...f.rad.names.map((n, j) => [n, g(f.rad.coefficients[j])])],
    },
  ];
}

export function modelCardSections(a: {
  config: DevelopConfig;
  loaded: LoadedCohort;
  fitted: FittedPipeline;
  evaluations: CohortEvaluation[];
  bootstrap?: BootstrapOutcome;
  threshold: { high: number; moderate: number; rule: string };
  warnings: Array<{ code: string; message: string }>;
}): ModelCardSection[] {
  const { config, loaded, fitted: f } = a;
  const fit = f.combined.fit;
  const boot = a.bootstrap?.validate.rows;
  const dxy = boot?.find((r) => r.index === 'Dxy');
  const slope = boot?.find((r) => r.index === 'Slope');
  return [
    { heading: '1. Outcome and horizon', body: [`${config.outcome.definition}. Event = "${loaded.outcome.positive}" in column ${config.outcome.column}.`] },
    {
      heading: '2. Cohorts and events',
      body: [
        loaded.cohorts.map((c) => `${c.cohort}: ${c.n} patients, ${c.events} events (${((100 * c.events) / c.n).toFixed(1)} %)`).join('; ') + '.',
        config.bundle.trainingData,
        'Every model was fitted on the train cohort only; the test and external cohorts were used for evaluation only.',
      ],
    },
    {
      heading: '3. Missing data',
      body: [
        loaded.imputations.length === 0
          ? `No missing values (policy: ${config.missing === 'refuse' ? 'refuse any missing value' : 'impute the train median'}).`
          : `Imputed with the train median: ${loaded.imputations.map((i) => `${i.column} (${i.count})`).join(', ')}.`,
      ],
    },
    {
      heading: '4. Predictors and their handling',
      body: [
        `${loaded.data.radNames.length} radiomics features; screening on the train cohort kept ${f.screening.kept.length}. Rad score: LASSO logistic regression (glmnet, α = ${f.rad.lasso.alpha}, ${f.rad.lasso.folds}-fold stratified CV on ${f.rad.lasso.typeMeasure}, λ.${config.radScore.lambda} = ${g(f.rad.lasso.lambda)}) kept ${f.rad.names.length}.`,
        `DL score: ${f.dl.method === 'lasso' ? 'LASSO' : 'logistic regression'} over ${loaded.data.dlNames.length} DL feature(s) (${loaded.data.dlNames.join(', ')}) from the bundle's ONNX model.`,
        `DLR score: ${f.dlr.level === 'score' ? `logistic regression on the Rad and DL scores (weights ${g(f.dlr.scoreWeights?.rad ?? NaN)} and ${g(f.dlr.scoreWeights?.dl ?? NaN)})` : 'one LASSO over the screened radiomics and the DL features'}.`,
        `Clinical: tumour size (mm), number of nodules, AFP ${loaded.data.afpTerm === 'log10AfpNgPerMl' ? 'as log10(max(AFP, 1 ng/mL))' : `dichotomised at ${config.clinical.afpCutoff} ng/mL`}.`,
        `Risk groups: high if the predicted probability ≥ ${a.threshold.high.toFixed(4)} (${a.threshold.rule}); moderate if ≥ ${a.threshold.moderate.toFixed(4)}.`,
      ],
    },
    {
      heading: '5. The full equation',
      body: [
        equation('Rad score', f.rad),
        equation('DL score', f.dl),
        equation('DLR score', f.dlr),
        `logit P(event) = ${g(fit.coefficients[0].estimate)} ${fit.coefficients
          .slice(1)
          .map((c) => `${c.estimate >= 0 ? '+' : '−'} ${g(Math.abs(c.estimate))} × ${c.name}`)
          .join(' ')}`,
        ...fit.design.terms.flatMap((t) =>
          t.kind === 'spline'
            ? [
                `${t.name} enters as a restricted cubic spline with ${t.knots.length} knots at ${t.knots.map(g).join(', ')} (rms::rcs, Harrell's placement on the train cohort): columns ${t.columns.join(', ')} = Hmisc::rcspline.eval(x, knots, norm = 2), i.e. x and (x − t_j)₊³ − (x − t_{k−1})₊³·(t_k − t_j)/(t_k − t_{k−1}) + (x − t_k)₊³·(t_{k−1} − t_j)/(t_k − t_{k−1}), each divided by (t_k − t_1)².`,
              ]
            : [],
        ),
        `Model LR χ² ${fit.lr.chisq.toFixed(2)} on ${fit.lr.df} d.f. (p ${fp(fit.lr.p)}); events per variable ${fit.epv.toFixed(1)}.`,
      ],
    },
    {
      heading: '6. Discrimination and calibration',
      body: [
        ...a.evaluations.map(
          (e) =>
            `${e.cohort}: combined AUC ${aucCell(e.auc[3])}; DLR ${aucCell(e.auc[2])}; Rad ${aucCell(e.auc[0])}; DL ${aucCell(e.auc[1])}. Calibration intercept ${e.valProb.intercept.toFixed(3)}, slope ${e.valProb.slope.toFixed(3)}, Brier ${e.valProb.brier.toFixed(3)}, Hosmer–Lemeshow χ² ${e.hosmerLemeshow.statistic.toFixed(2)} (p ${fp(e.hosmerLemeshow.pValue)}).`,
        ),
        ...(dxy && slope
          ? [
              `Bootstrap (B = ${a.bootstrap?.validate.B}, screening, LASSO, fusion and combined model refitted in each resample): optimism-corrected AUC ${((dxy.indexCorrected + 1) / 2).toFixed(3)} (apparent ${((dxy.indexOrig + 1) / 2).toFixed(3)}), corrected calibration slope ${slope.indexCorrected.toFixed(3)}. The feature extractors (the radiomics parameters and the CNN) are not retrained in the resamples: if the CNN was trained on the train cohort, its output is in-sample there, and the optimism of the DL-based scores is understated.`,
            ]
          : []),
      ],
    },
    {
      heading: '7. Limitations',
      body: [
        config.bundle.limitations,
        ...(config.bundle.syntheticDemo ? [`${config.bundle.disclaimer}: trained on synthetic data, for demonstration only.`] : []),
        ...a.warnings.map((w) => `${w.code}: ${w.message}`),
      ],
    },
  ];
}

export function modelCardMarkdown(config: DevelopConfig, sections: ModelCardSection[], tables: ReturnType<typeof equationTables>): string {
  const lines = [`# Model card — ${config.bundle.name} (${config.bundle.id} ${config.bundle.version})`, ''];
  if (config.bundle.syntheticDemo) lines.push(`> **${config.bundle.disclaimer}.** Trained on synthetic data; for demonstration only.`, '');
  lines.push(`Intended use: ${config.bundle.intendedUse}`, '');
  for (const s of sections) {
    lines.push(`## ${s.heading}`, '', ...s.body.flatMap((b) => [b, '']));
    if (s.heading.startsWith('5')) {
      for (const t of tables) {
        lines.push(`**${t.title}**`, '', `| ${t.columns.join(' | ')} |`, `|${t.columns.map(() => '---').join('|')}|`, ...t.rows.map((r) => `| ${r.join(' | ')} |`), '');
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

export { aucTable };
