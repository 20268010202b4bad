import {
  REGISTRY_COLUMN_NAMES,
  REGISTRY_COLUMNS,
  RegistryFormatError,
  parseRegistry,
  registryFormatFor,
  registryGlueColumns,
  serialiseRegistry,
  type RegistryProblem,
} from '../../src/registry';

const problemsOf = (run: () => unknown): readonly RegistryProblem[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof RegistryFormatError) return error.problems;
    throw error;
  }
  throw new Error('expected a RegistryFormatError');
};

describe('parseRegistry, JSON Lines', () => {
  it('reads one device per line, filling unset columns with null', () => {
    const registry = parseRegistry(
      [
        '{"device_id":"dev-0001","site":"plant-a","model":"TH-200","owner":"facilities","location":"Hall 3, north wall","install_date":"2024-05-17","temperature_max":35}',
        '',
        '{"device_id":"dev-0002","site":"plant-b","model":null}',
      ].join('\n'),
      'jsonl',
    );
    expect([...registry.keys()]).toEqual(['dev-0001', 'dev-0002']);
    expect(registry.get('dev-0001')).toEqual({
      device_id: 'dev-0001',
      site: 'plant-a',
      model: 'TH-200',
      owner: 'facilities',
      location: 'Hall 3, north wall',
      install_date: '2024-05-17',
      temperature_min: null,
      temperature_max: 35,
      humidity_min: null,
      humidity_max: null,
      pressure_min: null,
      pressure_max: null,
      battery_min: null,
      battery_max: null,
    });
    expect(registry.get('dev-0002')).toMatchObject({ site: 'plant-b', model: null, install_date: null });
  });

  it('accepts CRLF line ends and a byte-order mark', () => {
    const registry = parseRegistry(
      '\uFEFF{"device_id":"a","site":"s1"}\r\n{"device_id":"b","site":"s2"}\r\n',
      'jsonl',
    );
    expect([...registry.keys()]).toEqual(['a', 'b']);
  });

  it('refuses the whole file when a line is bad, naming every bad line', () => {
    const problems = problemsOf(() =>
      parseRegistry(
        [
          '{"device_id":"dev-1","site":"plant-a"}',
          '{"device_id":"dev-2","site":"plant a"}',
          '{"device_id":"dev-3","site":"plant-a"',
          '{"device_id":"dev-4","site":"plant-a","temprature_max":40}',
          '{"device_id":"dev-5","site":"plant-a","install_date":"2024-02-30"}',
          '{"device_id":"dev-6","site":"plant-a","humidity_max":140}',
          '{"device_id":"dev-7","site":"plant-a","battery_min":50,"battery_max":20}',
          '{"site":"plant-a"}',
        ].join('\n'),
        'jsonl',
      ),
    );
    expect(problems.map(({ line }) => line)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(problems[1]?.message).toBe('not valid JSON');
    expect(problems[2]?.message).toContain('temprature_max');
    expect(problems[5]?.message).toContain('battery_min (50) is above battery_max (20)');
    expect(problems[6]?.message).toContain('device_id');
  });

  it('names the first bad lines in the error message', () => {
    const lines = Array.from({ length: 8 }, (_, index) => `{"device_id":"dev-${index}"}`).join('\n');
    expect(() => parseRegistry(lines, 'jsonl')).toThrow(
      /^invalid device registry: line 1: site: .*; line 5: site: .* \(and 3 more\)$/,
    );
  });

  it('refuses a file with a duplicate device id', () => {
    const problems = problemsOf(() =>
      parseRegistry(
        '{"device_id":"dev-1","site":"a"}\n{"device_id":"dev-2","site":"a"}\n{"device_id":"dev-1","site":"b"}\n',
        'jsonl',
      ),
    );
    expect(problems).toEqual([{ line: 3, message: 'duplicate device_id "dev-1" (first on line 1)' }]);
  });

  it('accepts an empty file as an empty registry', () => {
    expect(parseRegistry('', 'jsonl').size).toBe(0);
  });
});

describe('parseRegistry, CSV (RFC 4180)', () => {
  it('reads a header row and quoted fields with commas, doubled quotes and line breaks', () => {
    const csv = [
      'device_id,site,model,owner,location,install_date,temperature_min,temperature_max',
      'dev-0001,plant-a,"TH-200, rev ""B""",facilities,"Hall 3, north wall",2024-05-17,-5,35.5',
      'dev-0002,plant-b,,,,,,',
      '"dev-0003",plant-c,"",ops,Yard,2023-11-02,,1e1',
    ].join('\r\n');
    const registry = parseRegistry(`${csv}\r\n`, 'csv');
    expect(registry.get('dev-0001')).toMatchObject({
      model: 'TH-200, rev "B"',
      location: 'Hall 3, north wall',
      temperature_min: -5,
      temperature_max: 35.5,
    });
    expect(registry.get('dev-0002')).toMatchObject({ site: 'plant-b', model: null, install_date: null });
    expect(registry.get('dev-0003')).toMatchObject({ model: null, owner: 'ops', temperature_max: 10 });
  });

  it('takes the columns in the order of the header, with only the required ones present', () => {
    const registry = parseRegistry('site,device_id\nplant-a,dev-1\n', 'csv');
    expect(registry.get('dev-1')).toMatchObject({ device_id: 'dev-1', site: 'plant-a', model: null });
  });

  it('counts lines of quoted line breaks when it names a bad line', () => {
    const csv = 'device_id,site,model\ndev-1,plant-a,"two\nlines"\ndev-2,plant-a,x\ndev 3,plant-a,y\n';
    expect(problemsOf(() => parseRegistry(csv, 'csv'))).toEqual([
      { line: 2, message: 'model: must not contain control characters' },
      { line: 5, message: expect.stringContaining('device_id') },
    ]);
  });

  it('refuses rows with the wrong number of fields, numbers that are not numbers and bad quoting', () => {
    const problems = problemsOf(() =>
      parseRegistry(
        'device_id,site,pressure_min\ndev-1,a,900,extra\ndev-2,a,low\ndev-3,a,"9"00\ndev-4,a,"950\n',
        'csv',
      ),
    );
    expect(problems).toEqual([
      { line: 2, message: '4 fields, the header has 3' },
      { line: 3, message: expect.stringContaining('pressure_min') },
      { line: 4, message: 'text after the closing quote of a field' },
      { line: 5, message: 'quoted field is not closed' },
    ]);
  });

  it('refuses a header with unknown, repeated or missing columns', () => {
    expect(problemsOf(() => parseRegistry('device_id,sit,device_id\ndev-1,a,b\n', 'csv'))).toEqual([
      { line: 1, message: 'header: unknown column "sit", column "device_id" twice, no "site" column' },
    ]);
  });

  it('refuses duplicates like JSON Lines does', () => {
    expect(problemsOf(() => parseRegistry('device_id,site\ndev-1,a\ndev-1,b\n', 'csv'))).toEqual([
      { line: 3, message: 'duplicate device_id "dev-1" (first on line 2)' },
    ]);
  });
});

describe('registry format helpers', () => {
  it('tells the format from the key', () => {
    expect(registryFormatFor('reference/devices/registry.jsonl')).toBe('jsonl');
    expect(registryFormatFor('reference/devices/registry.CSV')).toBe('csv');
    expect(registryFormatFor('registry.json')).toBe('jsonl');
  });

  it('serialises to JSON Lines that parse back to the same registry, every column in order', () => {
    const registry = parseRegistry(
      'device_id,site,owner,location,battery_min\ndev-1,a,"Team ""Blue""",Hall 1,15\ndev-2,b,,,\n',
      'csv',
    );
    const text = serialiseRegistry(registry.values());
    expect(text.split('\n')).toHaveLength(3);
    expect(Object.keys(JSON.parse(text.split('\n')[0] as string))).toEqual(REGISTRY_COLUMN_NAMES);
    expect(parseRegistry(text, 'jsonl')).toEqual(registry);
  });

  it('gives the Glue table the schema columns, in order, documented', () => {
    expect(registryGlueColumns().map(({ Name }) => Name)).toEqual(Object.keys(REGISTRY_COLUMNS));
    for (const { Name, Comment } of registryGlueColumns())
      expect([Name, Comment.length > 0]).toEqual([Name, true]);
  });
});
