/**
 * Runs `run` at most once per key: callers asking with the same key share one run, and a run that
 * fails is forgotten so the next caller tries again (a resuming workgroup or a lost connection
 * should not poison the table for the life of the container).
 */
export const oncePerKey = <T>(keyOf: (value: T) => string, run: (value: T) => Promise<unknown>) => {
  const runs = new Map<string, Promise<void>>();
  return (value: T): Promise<void> => {
    const key = keyOf(value);
    let pending = runs.get(key);
    if (!pending) {
      pending = run(value).then(
        () => undefined,
        (error: unknown) => {
          runs.delete(key);
          throw error;
        },
      );
      runs.set(key, pending);
    }
    return pending;
  };
};

/** Runs each DDL statement at most once per warehouse (see {@link oncePerKey}). */
export const oncePerStatement = (run: (statement: string) => Promise<unknown>) =>
  oncePerKey((statement: string) => statement, run);
