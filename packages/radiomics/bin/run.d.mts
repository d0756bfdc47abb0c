/** Types of run.mjs: the `radiomics extract|batch …` command as a function (exit code). */
export declare function runRadiomicsBin(args: string[], options?: { setup?: () => Promise<void> }): Promise<number>;
/** Values of --image / --mask / --params in an `extract` command line (both `--k v` and `--k=v`). */
export declare function extractInputs(argv: string[]): { image?: string; mask?: string; params?: string };
