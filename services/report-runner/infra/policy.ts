/** An inline policy of a role: its name and statements. */
export const policy = (name: string, statements: unknown[]) => ({
  PolicyName: name,
  PolicyDocument: { Version: '2012-10-17', Statement: statements },
});
