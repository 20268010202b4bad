import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PIPELINE_METRICS, type MetricService } from '../src';

const REPO = path.resolve(__dirname, '../..');

const sourcesOf = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? sourcesOf(full) : entry.name.endsWith('.ts') ? [full] : [];
  });

const serviceSources = (service: string) =>
  sourcesOf(path.join(REPO, 'services', service, 'src')).map((file) => readFileSync(file, 'utf8'));

describe('the metric-name list', () => {
  it.each(Object.keys(PIPELINE_METRICS) as MetricService[])(
    'names exactly the metrics %s publishes, each through METRIC',
    (service) => {
      const used = new Set(
        serviceSources(service).flatMap((text) => [...text.matchAll(/\bMETRIC\.(\w+)/g)].map((m) => m[1])),
      );
      expect([...used].sort()).toEqual(Object.keys(PIPELINE_METRICS[service]).sort());
    },
  );

  it('is the only way a service names a metric (no string literal in addMetric or countByReason)', () => {
    const literal =
      /(?:addMetric|countByReason)\(\s*[\w.]*\s*,?\s*['"`]|\[\s*['"`][A-Z]\w+['"`]\s*,\s*summary\./;
    const offenders = Object.keys(PIPELINE_METRICS).flatMap((service) =>
      sourcesOf(path.join(REPO, 'services', service, 'src')).filter((file) =>
        literal.test(readFileSync(file, 'utf8')),
      ),
    );
    expect(offenders.map((file) => path.relative(REPO, file))).toEqual([]);
  });
});
