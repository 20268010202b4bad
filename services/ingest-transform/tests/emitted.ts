/** What the handler printed during `run`: structured log lines and EMF metric values by name. */
export interface Emitted {
  logs: Record<string, unknown>[];
  /** Metric values by name (`Name.reason` for metrics with a reason dimension). */
  metrics: Record<string, number>;
  /** The raw EMF documents, for namespace and dimensions (what alarms select on). */
  emf: Record<string, unknown>[];
}

export const captureEmitted = async (run: () => Promise<unknown>): Promise<Emitted> => {
  const lines: string[] = [];
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
    jest.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(String(args[0]))),
  );
  try {
    await run();
  } finally {
    spies.forEach((spy) => spy.mockRestore());
  }
  const documents = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
  const metrics: Record<string, number> = {};
  for (const document of documents.filter((entry) => entry._aws)) {
    for (const { Metrics } of document._aws.CloudWatchMetrics)
      for (const { Name } of Metrics)
        metrics[document.reason ? `${Name}.${document.reason}` : Name] = document[Name];
  }
  return {
    logs: documents.filter((entry) => !entry._aws),
    metrics,
    emf: documents.filter((entry) => entry._aws),
  };
};
