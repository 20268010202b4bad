import { z } from 'zod';
import { ConfigurationError, readEnvironment } from '../src/runtime';

describe('readEnvironment', () => {
  const shape = { MAX_RECORD_BYTES: z.coerce.number().int().positive(), STAGE: z.string().min(1) };

  it('parses and coerces the variables it is given', () => {
    expect(readEnvironment(shape, { MAX_RECORD_BYTES: '65536', STAGE: 'dev' })).toEqual({
      MAX_RECORD_BYTES: 65536,
      STAGE: 'dev',
    });
  });

  it('fails loudly, naming every missing or invalid variable at once', () => {
    const read = () => readEnvironment(shape, { MAX_RECORD_BYTES: 'lots' });
    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow(/MAX_RECORD_BYTES: .*; STAGE: /);
  });
});
