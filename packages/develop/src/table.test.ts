import { describe, expect, it } from 'vitest';
import { numericColumn, outcomeColumn, parseTable } from './table.ts';

const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return { code: (e as { code?: string }).code, detail: (e as { detail?: unknown }).detail };
  }
  return undefined;
};

describe('cohort tables', () => {
  it('refuses an unterminated quote instead of swallowing the rest of the file into one cell', () => {
    expect(code(() => parseTable('id,note\nP1,"ok\nP2,b\nP3,c\n', 'x.csv'))).toEqual({ code: 'TABLE_MALFORMED_CSV', detail: { source: 'x.csv', line: 2 } });
    expect(code(() => parseTable('id,note\nP1,ab"c\n'))).toMatchObject({ code: 'TABLE_MALFORMED_CSV', detail: { line: 2 } });
    expect(code(() => parseTable('id,note\nP1,"a"b\n'))).toMatchObject({ code: 'TABLE_MALFORMED_CSV' });
    // RFC 4180 quoting itself is fine: commas, doubled quotes and line breaks inside quotes
    expect(parseTable('id,note\nP1,"a, ""b""\nc"\nP2,d\n').rows).toEqual([['P1', 'a, "b"\nc'], ['P2', 'd']]);
  });
  it('refuses ragged rows, duplicate or empty column names', () => {
    expect(code(() => parseTable('a,b\n1,2\n3\n'))).toMatchObject({ code: 'TABLE_RAGGED_ROW', detail: { row: 2 } });
    expect(code(() => parseTable('a,a\n1,2\n'))).toMatchObject({ code: 'TABLE_DUPLICATE_COLUMN' });
    expect(code(() => parseTable('a,\n1,2\n'))).toMatchObject({ code: 'TABLE_DUPLICATE_COLUMN' });
  });
  it('names the column and data row of a non-numeric or missing cell', () => {
    const t = parseTable('x,y\n1,0\n2 mm,1\nNA,0\n');
    expect(code(() => numericColumn(t, 'x'))).toMatchObject({ code: 'TABLE_NON_NUMERIC', detail: { column: 'x', row: 2 } });
    const u = parseTable('x,y\n1,0\nNA,1\n');
    expect(code(() => numericColumn(u, 'x'))).toMatchObject({ code: 'TABLE_MISSING_VALUE', detail: { column: 'x', rows: [2] } });
    expect(Array.from(numericColumn(u, 'x', { allowMissing: true }))).toEqual([1, NaN]);
    expect(code(() => numericColumn(u, 'z'))).toMatchObject({ code: 'TABLE_COLUMN_MISSING' });
  });
  it('reads a binary outcome, and asks which level is the event when it cannot tell', () => {
    const t = parseTable('y\nGood\nPoor\nGood\n');
    expect(code(() => outcomeColumn(t, 'y'))).toMatchObject({ code: 'OUTCOME_POSITIVE_REQUIRED', detail: { levels: ['Good', 'Poor'] } });
    expect(Array.from(outcomeColumn(t, 'y', 'Poor').labels)).toEqual([0, 1, 0]);
    expect(code(() => outcomeColumn(t, 'y', 'Bad'))).toMatchObject({ code: 'OUTCOME_POSITIVE_UNKNOWN' });
    // a --positive that is not a level is refused even when the column has one level only
    expect(code(() => outcomeColumn(parseTable('y\nGood\nGood\n'), 'y', 'Poor'))).toMatchObject({ code: 'OUTCOME_POSITIVE_UNKNOWN' });
    expect(code(() => outcomeColumn(parseTable('y\na\nb\nc\n'), 'y', 'a'))).toMatchObject({ code: 'OUTCOME_NOT_BINARY' });
    expect(Array.from(outcomeColumn(parseTable('y\n0\n1\n'), 'y').labels)).toEqual([0, 1]);
  });
});
