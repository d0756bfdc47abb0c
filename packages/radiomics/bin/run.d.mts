/** Types of run.mjs: the `radiomics extract|batch …` command as a function (exit code). */
export declare function runRadiomicsBin(args: string[], options?: { setup?: () => Promise<void> }): Promise<number>;
