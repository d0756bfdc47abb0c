import type { Rng } from './random.ts';

/**
 * A smooth random scalar field: a normalised sum of plane waves with random directions, phases
 * and wavelengths in [minWavelengthMm, maxWavelengthMm]. Values lie roughly in [-1.5, 1.5]
 * with unit variance (each cosine has variance 1/2; the sum is scaled by √(2/K)).
 */
export interface WaveField {
  (xMm: number, yMm: number, zMm: number): number;
}

export function waveField(rng: Rng, waves: number, minWavelengthMm: number, maxWavelengthMm: number): WaveField {
  const kx = new Float64Array(waves);
  const ky = new Float64Array(waves);
  const kz = new Float64Array(waves);
  const phase = new Float64Array(waves);
  for (let i = 0; i < waves; i++) {
    const [ux, uy, uz] = rng.unitVector();
    const k = (2 * Math.PI) / rng.between(minWavelengthMm, maxWavelengthMm);
    kx[i] = ux * k;
    ky[i] = uy * k;
    kz[i] = uz * k;
    phase[i] = rng.between(0, 2 * Math.PI);
  }
  const scale = Math.sqrt(2 / waves);
  return (x, y, z) => {
    let s = 0;
    for (let i = 0; i < waves; i++) s += Math.cos(kx[i] * x + ky[i] * y + kz[i] * z + phase[i]);
    return s * scale;
  };
}

/** A random 3×3 rotation (row-major), from a uniformly random unit quaternion. */
export function randomRotation(rng: Rng): number[] {
  const u1 = rng.uniform();
  const u2 = rng.uniform();
  const u3 = rng.uniform();
  const a = Math.sqrt(1 - u1);
  const b = Math.sqrt(u1);
  const w = a * Math.sin(2 * Math.PI * u2);
  const x = a * Math.cos(2 * Math.PI * u2);
  const y = b * Math.sin(2 * Math.PI * u3);
  const z = b * Math.cos(2 * Math.PI * u3);
  return [
    1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
  ];
}
