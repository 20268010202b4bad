import { NONE, SHARED_PARAM_DESCRIPTIONS } from '@pipeline/shared/serverless';
import { loadServiceParams, renderDefault, type ServiceParams } from '../../src/preflight/param-table';
import { composeParams } from '../../src/preflight/preflight';

// Shared parameters whose default differs by design: ingest-transform creates the stage's alarm
// topic (none: create it) that the others read from what it published; msk-consumer names the hub
// by its name when no ARN is given (none), analytics-sink's mapping needs the ARN itself.
const DIFFERENT_BY_DESIGN = new Set(['alarmTopicArn', 'hubStreamArn']);

let all: ServiceParams[];
beforeAll(async () => {
  all = await loadServiceParams();
});

describe('one parameter convention across the services', () => {
  it('gives a setting several services share one default in each', () => {
    const differing = Object.keys(SHARED_PARAM_DESCRIPTIONS).flatMap((name) => {
      const defaults = new Set(
        all
          .filter(({ defaults }) => name in defaults)
          .map(({ service, defaults }) => renderDefault(defaults[name], service)),
      );
      return defaults.size > 1 && !DIFFERENT_BY_DESIGN.has(name)
        ? [`${name}: ${[...defaults].join(' / ')}`]
        : [];
    });
    expect(differing).toEqual([]);
  });

  it(`spells "unset" ${NONE}, and only ${NONE}`, () => {
    const otherSpellings = all.flatMap(({ service, defaults }) =>
      Object.entries(defaults)
        .filter(
          ([, value]) => typeof value === 'string' && /^(?:|null|undefined|off|None|NONE|-)$/.test(value),
        )
        .map(([name, value]) => `${service} ${name}='${String(value)}'`),
    );
    expect(otherSpellings).toEqual([]);
  });

  it('has compose pass a value from another stack to every service that declares it, or to none', () => {
    const compose = composeParams();
    const passed = new Map(Object.values(compose).flatMap((params) => Object.entries(params)));
    const missing = [...passed.keys()].flatMap((name) =>
      all
        .filter(({ service, defaults }) => name in defaults && !(name in (compose[service] ?? {})))
        .filter(({ service }) => !String(passed.get(name)).startsWith(`\${${service}.`))
        .map(({ service }) => `${service} ${name}`),
    );
    expect(missing).toEqual([]);
  });
});
