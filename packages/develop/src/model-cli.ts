/** `tace-risk model develop | features | lasso | logistic` */
import { progress } from './cli-kit.ts';

const USAGE = 'usage: tace-risk model develop|features|lasso|logistic … (each has --help)\n';

export async function runModelCli(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'features':
      return (await import('./features-cli.ts')).modelFeatures(rest);
    case 'develop':
      return (await import('./develop-cli.ts')).modelDevelop(rest);
    case 'lasso':
    case 'logistic': {
      const { runSubcommand } = await import('./cli-kit.ts');
      const f = await import('./fit-cli.ts');
      return runSubcommand(USAGE.trimEnd(), { lasso: [f.LASSO_SPEC, f.modelLasso], logistic: [f.LOGISTIC_SPEC, f.modelLogistic] }, sub, rest);
    }
    case undefined:
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      progress(USAGE.trimEnd());
      return 2;
  }
}
