/**
 * The value a `--param name=value` (or `--param=name=value`) option of the running `sls` command
 * gives a parameter, for checks that must run while serverless.ts is evaluated (osls loads it in
 * its own process, before it resolves `${param:...}`); compose passes its params the same way.
 * The last occurrence wins, as in osls.
 */
export const cliParam = (name: string, argv: readonly string[] = process.argv): string | undefined => {
  let value: string | undefined;
  argv.forEach((arg, index) => {
    const option =
      arg === '--param' ? argv[index + 1] : arg.startsWith('--param=') ? arg.slice(8) : undefined;
    const pair = option?.replace(/^(["'])(.*)\1$/, '$2');
    if (pair?.startsWith(`${name}=`)) value = pair.slice(name.length + 1);
  });
  return value;
};
