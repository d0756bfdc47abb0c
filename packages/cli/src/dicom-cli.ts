/**
 * `tace-risk dicom volume|mask|inspect`: a DICOM folder out to NRRD / NIfTI for other tools, and a
 * look at what a folder holds and what the service would score in it.
 * Failures are TaceErrors (main prints `CODE: message`, exit 1); usage errors exit 2.
 */
import { parseArgs } from 'node:util';
import { TaceError, type Volume } from '@tace/common';
import type { DicomInventory } from '@tace/dicom';
import { formatInventory } from './dicom-inspect-text.ts';

interface Spec {
  usage: string;
  description: string;
  options: Record<string, { type: 'string' | 'boolean'; help: string; required?: boolean }>;
  /** Name of the one positional argument taken in place of an option (inspect DIR). */
  positional?: string;
}

const SPECS: Record<string, Spec> = {
  volume: {
    usage: 'tace-risk dicom volume --in DIR --out vol.nrrd|vol.nii|vol.nii.gz [--series UID]',
    description: 'The CT series in DIR as a volume in Hounsfield units (int16 when every voxel is an integer, as CT almost always is;\nelse float32), in LPS geometry: NRRD "space: left-posterior-superior", NIfTI RAS qform + sform.',
    options: {
      in: { type: 'string', help: 'folder of DICOM files (searched recursively), or one multi-frame CT file', required: true },
      out: { type: 'string', help: 'output file: .nrrd, .nii or .nii.gz', required: true },
      series: { type: 'string', help: 'SeriesInstanceUID, when DIR holds several CT series' },
    },
  },
  mask: {
    usage: 'tace-risk dicom mask --in DIR [--seg FILE] [--segment N|LABEL] [--series UID] --out mask.nrrd|mask.nii|mask.nii.gz',
    description: 'One segment of a DICOM SEG, or one ROI of an RTSTRUCT, as a label map (1 inside, 0 outside) on the grid of the\nimage series it was drawn on, so it overlays `dicom volume`\'s output voxel for voxel.',
    options: {
      in: { type: 'string', help: 'folder of the image series (DICOM, searched recursively)', required: true },
      seg: { type: 'string', help: 'the SEG or RTSTRUCT file (default: the one the service would pick in DIR; see inspect)' },
      segment: { type: 'string', help: 'SegmentNumber / ROINumber, or SegmentLabel / ROIName (default: the only one, else the first\n' +
        `${' '.repeat(24)}tumour-like, else the lowest number)` },
      series: { type: 'string', help: 'image SeriesInstanceUID (default: the series the segmentation references)' },
      out: { type: 'string', help: 'output file: .nrrd, .nii or .nii.gz', required: true },
    },
  },
  inspect: {
    usage: 'tace-risk dicom inspect DIR [--json]',
    description: 'Studies, series (size, spacing, transfer syntaxes, whether a CT series makes a volume), segmentations and their\nsegments, and what the service\'s selection would score and why. Headers only: no pixel is decoded. No patient\nidentifiers are printed. The series rules are read from the service\'s TACE_SERIES_* variables when set\n(the acquired-after-TACE rule needs the EHR and is not applied).',
    options: {
      json: { type: 'boolean', help: 'the inventory as JSON' },
    },
    positional: 'DIR',
  },
};

const USAGE = `usage: tace-risk dicom volume|mask|inspect … (each with --help)
${Object.values(SPECS).map((s) => `  ${s.usage}`).join('\n')}
`;

function helpText(spec: Spec): string {
  const lines = [`usage: ${spec.usage}`, '', spec.description, '', 'options:'];
  for (const [name, o] of Object.entries(spec.options)) {
    lines.push(`  ${`--${name}${o.type === 'string' ? ' VALUE' : ''}`.padEnd(20)}  ${o.help}${o.required ? ' (required)' : ''}`);
  }
  lines.push(`  ${'--help'.padEnd(20)}  this text`);
  return `${lines.join('\n')}\n`;
}

const usageError = (msg: string, spec?: Spec): TaceError =>
  new TaceError('CLI_BAD_ARGUMENT', spec ? `${msg}\nusage: ${spec.usage} (--help for more)` : msg);

type Values = Record<string, string | boolean | undefined>;

/** Parse argv against the spec; undefined when --help was printed. */
function parse(argv: string[], spec: Spec): { values: Values; positionals: string[] } | undefined {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...Object.fromEntries(Object.entries(spec.options).map(([k, o]) => [k, { type: o.type }])), help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: spec.positional !== undefined,
    }) as { values: Values; positionals: string[] };
  } catch (e) {
    throw usageError((e as Error).message, spec);
  }
  if (parsed.values.help) {
    process.stdout.write(helpText(spec));
    return undefined;
  }
  if (spec.positional && parsed.positionals.length !== 1) throw usageError(`give one ${spec.positional}`, spec);
  for (const [name, o] of Object.entries(spec.options)) {
    if (o.required && (parsed.values[name] === undefined || parsed.values[name] === '')) throw usageError(`--${name} is required`, spec);
  }
  return parsed;
}

async function outputPath(values: Values, spec: Spec): Promise<string> {
  const out = values.out as string;
  const { imageFormatOf } = await import('@tace/radiomics/write');
  if (!imageFormatOf(out)) throw usageError(`--out ${out}: the name must end in .nrrd, .nii or .nii.gz`, spec);
  return out;
}

const fmtVec = (v: readonly number[], digits = 4): string => v.map((x) => String(Number(x.toFixed(digits)))).join(' × ');

function describeVolume(v: Volume): string {
  return `${v.size.join(' × ')} voxels, spacing ${fmtVec(v.spacingMm)} mm, origin (${fmtVec(v.originMm, 3).replaceAll(' × ', ', ')}) mm LPS`;
}

/** What `volume` and `mask` start with: the arguments, the output path, the modules, the folder's headers. */
async function openCommand(name: 'volume' | 'mask', argv: string[]) {
  const spec = SPECS[name]!;
  const p = parse(argv, spec);
  if (!p) return undefined; // --help was printed
  const out = await outputPath(p.values, spec);
  const d = await import('@tace/dicom');
  const { writeImageFile } = await import('@tace/radiomics/write');
  const scan = await d.scanDicomFolder(p.values.in as string);
  return { p, out, d, writeImageFile, scan };
}

async function runVolume(argv: string[]): Promise<number> {
  const c = await openCommand('volume', argv);
  if (!c) return 0;
  const { p, out, d, writeImageFile, scan } = c;
  const choice = d.chooseCtSeries(scan, { series: p.values.series as string | undefined });
  const hu = d.compactHu(await d.loadSeriesVolume(choice));
  await writeImageFile(out, hu);
  process.stdout.write(`${out}: CT series ${choice.seriesInstanceUid} (${choice.why}), ${describeVolume(hu)}, ` +
    `${hu.data instanceof Int16Array ? 'int16' : 'float32'} HU\n`);
  return 0;
}

async function runMask(argv: string[]): Promise<number> {
  const c = await openCommand('mask', argv);
  if (!c) return 0;
  const { p, out, d, writeImageFile, scan } = c;
  let segPath = p.values.seg as string | undefined;
  let segWhy = '--seg';
  if (segPath === undefined) {
    // the segmentation the service would score: its selection over the folder's headers
    const inv = d.inspectScan(scan);
    const chosen = inv.studies.flatMap((s) => (s.selection.ok ? [s] : []));
    if (chosen.length !== 1) {
      const why = inv.studies.map((s) => s.selection.code).find((c) => c) ?? 'DICOM_NO_SEGMENTATION';
      throw new TaceError(chosen.length > 1 ? 'DICOM_MULTIPLE_STUDIES' : why,
        chosen.length > 1 ? `'${scan.root}' holds ${chosen.length} studies with a segmentation; give one with --seg`
          : `No segmentation to pick in '${scan.root}' (${inv.studies.map((s) => s.selection.message).filter(Boolean).join('; ') || 'no study'}); give one with --seg`);
    }
    const sel = chosen[0]!;
    segPath = scan.files.find((f) => f.header.sopInstanceUid === sel.selection.segmentation!.sopInstanceUid)!.path;
    segWhy = sel.selection.segmentation!.why;
  }
  const seg = await d.readSegmentationFile(segPath);
  const choice = d.chooseCtSeries(scan, { series: p.values.series as string | undefined, segmentation: seg });
  const { segment, why } = d.chooseSegment(seg, p.values.segment as string | undefined);
  const ct = await d.loadSeriesVolume(choice);
  const { mask, voxels } = d.segmentationMask(seg, ct, segment);
  await writeImageFile(out, mask);
  const kind = d.isRtStruct(seg) ? 'RTSTRUCT ROI' : 'SEG segment';
  process.stdout.write(`${out}: ${kind} ${segment.segmentNumber} '${segment.label}' (${why}) of ${segPath} (${segWhy}), ` +
    `on CT series ${choice.seriesInstanceUid} (${choice.why}): ${voxels} voxels of ${describeVolume(mask)}\n`);
  return 0;
}

/** The service's series rules (TACE_SERIES_*), parsed by the service's own settings table. */
async function seriesRulesFromEnv(env: NodeJS.ProcessEnv): Promise<import('@tace/dicom').SeriesRules> {
  // The settings table lives in @tace/pipeline (queues, FHIR…): loaded only when a rule is set.
  if (!Object.keys(env).some((k) => k.startsWith('TACE_SERIES_') && env[k])) return {};
  const { SETTINGS } = await import('@tace/pipeline');
  const get = <K extends 'seriesDescriptionInclude' | 'seriesDescriptionExclude' | 'seriesPhasePreference' | 'seriesMinSlices' | 'seriesSliceThicknessMm'>(k: K) => {
    const raw = env[SETTINGS[k].env];
    if (raw === undefined || raw === '') return undefined;
    try { return SETTINGS[k].parse(raw) as ReturnType<(typeof SETTINGS)[K]['parse']>; } catch (e) {
      throw new TaceError('CONFIG_INVALID', `${SETTINGS[k].env}='${raw}' ${(e as Error).message}`);
    }
  };
  const include = get('seriesDescriptionInclude'), exclude = get('seriesDescriptionExclude'), phases = get('seriesPhasePreference');
  const minSlices = get('seriesMinSlices'), thickness = get('seriesSliceThicknessMm');
  return {
    ...(include ? { descriptionInclude: include } : {}), ...(exclude ? { descriptionExclude: exclude } : {}),
    ...(phases ? { phasePreference: phases } : {}), ...(minSlices ? { minSlices } : {}),
    ...(thickness ? { minSliceThicknessMm: thickness.min, maxSliceThicknessMm: thickness.max } : {}),
  };
}

async function runInspect(argv: string[]): Promise<number> {
  const spec = SPECS.inspect!;
  const p = parse(argv, spec);
  if (!p) return 0;
  const d = await import('@tace/dicom');
  const inv: DicomInventory = d.inspectScan(await d.scanDicomFolder(p.positionals[0]!), await seriesRulesFromEnv(process.env));
  process.stdout.write(p.values.json ? `${JSON.stringify(inv, null, 2)}\n` : formatInventory(inv));
  return 0;
}

/** Usage errors (CLI_BAD_ARGUMENT) exit 2 here; every other failure reaches main's handler (exit 1). */
export async function runDicomCli(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const run = sub === 'volume' ? runVolume : sub === 'mask' ? runMask : sub === 'inspect' ? runInspect : undefined;
  if (!run) {
    const help = sub === undefined || sub === '--help' || sub === '-h';
    (help ? process.stdout : process.stderr).write(USAGE);
    return help ? 0 : 2;
  }
  try {
    return await run(rest);
  } catch (e) {
    if (e instanceof TaceError && e.code === 'CLI_BAD_ARGUMENT') {
      process.stderr.write(`${e.code}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
