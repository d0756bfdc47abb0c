export async function runRadiomicsCli(argv: string[]): Promise<number> { void argv; process.stderr.write("radiomics CLI: not yet implemented\n"); return 2; }
