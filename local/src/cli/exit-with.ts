/**
 * Runs a command-line `main` (returning its exit code) and exits with that code; an error is
 * printed as its message, without a stack, and exits 1.
 */
export const exitWith = (main: () => Promise<number>): void => {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exit(1);
    },
  );
};
