/** `tace-risk dicom inspect` as text for a person (the JSON form is the inventory itself). */
import type { DicomInventory, SeriesInfo, StudyInfo } from '@tace/dicom';

const num = (x: number): string => String(Number(x.toFixed(4)));
const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
const dims = (v: readonly number[]): string => v.map(num).join(' × ');

function dicomDate(d: string | undefined): string {
  return d && /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}` : d ?? '';
}

function seriesLines(s: SeriesInfo): string[] {
  const head = [`series ${s.seriesInstanceUid}`, s.modality || '(no modality)'];
  if (s.seriesNumber !== undefined) head.push(`#${s.seriesNumber}`);
  if (s.description) head.push(JSON.stringify(s.description));
  const what = [count(s.instances, 'instance')];
  if (s.frames !== s.instances) what.push(count(s.frames, 'frame'));
  if (s.rows && s.columns) what.push(`${s.columns} × ${s.rows} pixels`);
  if (s.pixelSpacingMm) what.push(`pixel spacing ${dims([s.pixelSpacingMm[1], s.pixelSpacingMm[0]])} mm`);
  if (s.sliceThicknessMm !== undefined) what.push(`slice thickness ${num(s.sliceThicknessMm)} mm`);
  if (s.localizers) what.push(`${count(s.localizers, 'scout view')} left out`);
  const lines = [`  ${head.join('  ')}: ${what.join(', ')}`];
  for (const t of s.transferSyntaxes) {
    lines.push(`    transfer syntax ${t.uid} ${t.name}${t.decodable ? '' : ' (pixel data not decodable here)'}: ${t.instances}`);
  }
  if (s.grid) {
    lines.push(s.grid.ok
      ? `    volume ${s.grid.size.join(' × ')}, spacing ${dims(s.grid.spacingMm)} mm, ${s.grid.orientation}`
      : `    no volume: ${s.grid.code}: ${s.grid.message}`);
  }
  return lines;
}

function studyLines(st: StudyInfo): string[] {
  const head = `study ${st.studyInstanceUid}${st.studyDate ? ` (${dicomDate(st.studyDate)})` : ''}${st.description ? ` ${JSON.stringify(st.description)}` : ''}`;
  const lines = [head, ...st.series.flatMap(seriesLines)];
  for (const g of st.segmentations) {
    const kind = g.kind === 'SEG' ? `SEG ${g.segmentationType ?? ''}${g.frames !== undefined ? `, ${count(g.frames, 'frame')}` : ''}` : 'RTSTRUCT';
    const on = g.referencedSeries.length ? `drawn on series ${g.referencedSeries.join(', ')}` : 'names no source series';
    lines.push(`  segmentation ${g.path}: ${kind}, ${on}${g.sourceInFolder ? '' : ' (NOT in this folder)'}`);
    for (const s of g.segments) {
      const code = s.propertyType ? ` [${s.propertyType.codingSchemeDesignator} ${s.propertyType.codeValue} ${s.propertyType.codeMeaning}]` : '';
      lines.push(`    ${g.kind === 'SEG' ? 'segment' : 'ROI'} ${s.segmentNumber} '${s.label}'${code}${s.tumourLike ? ' tumour-like' : ''}`);
    }
  }
  const sel = st.selection;
  if (sel.ok) {
    lines.push(`  selection: ${sel.segmentation!.kind} ${sel.segmentation!.sopInstanceUid} (${sel.segmentation!.why})`,
      `    on CT series ${sel.ctSeries!.seriesInstanceUid}, ${count(sel.ctSeries!.images, 'image')} (${sel.ctSeries!.why})`,
      `    segment ${sel.segment!.segmentNumber} '${sel.segment!.label}' (${sel.segment!.why})`,
      ...(sel.rules ?? []).map((r) => `    series rules: ${r}`));
  } else {
    lines.push(`  selection: none: ${sel.code}: ${sel.message}`);
  }
  return lines;
}

export function formatInventory(inv: DicomInventory): string {
  const others = inv.notDicom.length ? ` (${inv.notDicom.slice(0, 5).join(', ')}${inv.notDicom.length > 5 ? ', …' : ''})` : '';
  const lines = [`${inv.root}: ${inv.dicomFiles} DICOM files, ${inv.notDicom.length} other files${others}, ${inv.unreadable.length} unreadable`];
  for (const u of inv.unreadable) lines.push(`  unreadable ${u.path}: ${u.code}: ${u.message}`);
  for (const st of inv.studies) lines.push('', ...studyLines(st));
  const v = inv.volumeSeries;
  lines.push('', 'seriesInstanceUid' in v ? `dicom volume takes series ${v.seriesInstanceUid} (${v.why})` : `dicom volume needs --series: ${v.code}: ${v.message}`);
  return `${lines.join('\n')}\n`;
}
