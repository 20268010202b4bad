/**
 * Runs each DDL statement at most once per warehouse: callers asking for the same statement
 * share one run, and a run that fails is forgotten so the next caller tries again (a resuming
 * workgroup or a lost connection should not poison the table for the life of the container).
 */
export const oncePerStatement = (run: (statement: string) => Promise<unknown>) => {
  const runs = new Map<string, Promise<void>>();
  return (statement: string): Promise<void> => {
    let pending = runs.get(statement);
    if (!pending) {
      pending = run(statement).then(
        () => undefined,
        (error: unknown) => {
          runs.delete(statement);
          throw error;
        },
      );
      runs.set(statement, pending);
    }
    return pending;
  };
};
