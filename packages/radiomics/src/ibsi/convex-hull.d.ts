// Types for the untyped `convex-hull` package (robust incremental hull, exact predicates).
declare module 'convex-hull' {
  /** Facets of the hull of `points` (each an array of point indices, consistently oriented). */
  export default function convexHull(points: number[][]): number[][];
}
