export async function runModelCli(_argv: string[]): Promise<number> {
  return 2;
}
