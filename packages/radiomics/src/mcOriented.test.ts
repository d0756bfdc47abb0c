/** The written-out oriented table must be exactly what mcTables.ts derives from the classic table. */
import { describe, expect, it } from 'vitest';
import { buildOrientedTriangles } from './mcTables.ts';
import { orientedTriangles } from './mcOriented.ts';

describe('orientedTriangles', () => {
  it('equals buildOrientedTriangles() for all 256 configurations', () => {
    const derived = buildOrientedTriangles();
    const table = orientedTriangles();
    expect(table).toHaveLength(256);
    for (let cfg = 0; cfg < 256; cfg++) expect([...table[cfg]!], `configuration ${cfg}`).toEqual([...derived[cfg]!]);
  });
  it('has no triangles for the empty and the full cube, one for a single corner', () => {
    // Hand-derived: configurations 0 and 255 have no surface; a lone corner (1) is cut by one triangle.
    expect(orientedTriangles()[0]).toHaveLength(0);
    expect(orientedTriangles()[255]).toHaveLength(0);
    expect(orientedTriangles()[1]).toHaveLength(3);
  });
});
