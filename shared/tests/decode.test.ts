import { decodeJsonObject } from '../src';

const base64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

describe('decodeJsonObject', () => {
  it('decodes base64 JSON objects', () => {
    expect(decodeJsonObject(base64('{"deviceId":"dev-1"}'), 1024)).toEqual({
      ok: true,
      value: { deviceId: 'dev-1' },
      bytes: 20,
    });
  });

  it.each([
    ['data that is not base64', 'not base64!', 'invalid_base64'],
    ['base64 without its padding', 'eyJhIjoxfQ', 'invalid_base64'],
    ['base64 with a bad length', 'eyJhIjox=', 'invalid_base64'],
    ['empty data', '', 'empty_record'],
    ['only whitespace', base64('  \n\t'), 'empty_record'],
    ['bytes that are not UTF-8', base64(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 'invalid_utf8'],
    ['truncated JSON', base64('{"deviceId":'), 'invalid_json'],
    ['a JSON array', base64('[{"deviceId":"dev-1"}]'), 'not_an_object'],
    ['a JSON number', base64('42'), 'not_an_object'],
    ['a JSON string', base64('"hello"'), 'not_an_object'],
    ['JSON null', base64('null'), 'not_an_object'],
  ])('reports %s', (_, data, expected) => {
    const decoded = decodeJsonObject(data, 1024);
    expect(decoded.ok ? 'ok' : decoded.reason).toBe(expected);
  });

  it('rejects records over the size limit without decoding them', () => {
    const large = base64(JSON.stringify({ padding: 'x'.repeat(2048) }));
    expect(decodeJsonObject(large, 1024)).toMatchObject({ ok: false, reason: 'oversized_record' });
    expect(decodeJsonObject(base64(JSON.stringify({ a: 'x'.repeat(1014) })), 1024).ok).toBe(true);
  });

  // Canonical strings skip the pattern when Buffer.from decoded all of them (decodedInFull): the
  // verdict must stay the pattern's for everything else, on whatever Node version runs this.
  it('judges base64 exactly as the canonical pattern does', () => {
    const pattern = /^[A-Za-z0-9+/]*={0,2}$/;
    const isInvalidBase64 = (data: string): boolean => {
      const decoded = decodeJsonObject(data, 1 << 20);
      return !decoded.ok && decoded.reason === 'invalid_base64';
    };
    const strings: string[] = [''];
    // Every string of up to 4 characters from the standard and URL-safe alphabets, padding,
    // whitespace, other ASCII, Latin-1, a lone surrogate and NUL.
    const characters = [
      'A',
      'Q',
      'z',
      '0',
      '+',
      '/',
      '-',
      '_',
      '=',
      ' ',
      '\n',
      '*',
      '.',
      'é',
      '\ud800',
      '\u0000',
    ];
    for (let length = 1; length <= 4; length += 1) {
      for (const prefix of strings.filter((string) => string.length === length - 1)) {
        for (const character of characters) strings.push(prefix + character);
      }
    }
    // And longer ones: valid base64 of random bytes, some with one character replaced.
    let seed = 17;
    const next = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 4294967296;
    };
    for (let index = 0; index < 20_000; index += 1) {
      const valid = base64(Buffer.from(Array.from({ length: Math.floor(next() * 60) }, () => next() * 256)));
      const at = Math.floor(next() * valid.length);
      const replaced = characters[Math.floor(next() * characters.length)] as string;
      strings.push(next() < 0.5 ? valid : `${valid.slice(0, at)}${replaced}${valid.slice(at + 1)}`);
    }
    const disagreements = strings.filter(
      (data) => data.length > 0 && isInvalidBase64(data) !== !(data.length % 4 === 0 && pattern.test(data)),
    );
    expect(disagreements).toEqual([]);
  });

  // The whole outcome, value and byte count included, for the payloads where Buffer's base64, the
  // fatal UTF-8 decoder or the canonical-base64 check decide something: a faster decoding of plain
  // ASCII payloads must leave every one of them as it is.
  it.each<[string, string, unknown]>([
    [
      'a byte-order mark before the object',
      base64('\ufeff{"a":1}'),
      { ok: true, value: { a: 1 }, bytes: 10 },
    ],
    [
      'multi-byte characters',
      base64('{"site":"Zürich","n":"€𝄞"}'),
      { ok: true, value: { site: 'Zürich', n: '€𝄞' }, bytes: 32 },
    ],
    [
      'NUL and DEL inside a string',
      base64('{"a":"\u0000\u007f"}'),
      { ok: false, reason: 'invalid_json', detail: expect.stringContaining('position 6') },
    ],
    ['whitespace around the object', base64(' {"a":1} '), { ok: true, value: { a: 1 }, bytes: 9 }],
    [
      'a byte that is not UTF-8 after the object',
      base64(Buffer.from([0x7b, 0x7d, 0x80])),
      { ok: false, reason: 'invalid_utf8', detail: 'data is not valid UTF-8' },
    ],
    [
      'whitespace inside the base64',
      'eyJh IjoxfQ=',
      { ok: false, reason: 'invalid_base64', detail: 'data is not valid base64' },
    ],
    [
      'line breaks at the end of the base64',
      'eyJhIjoxfQ\n\n',
      { ok: false, reason: 'invalid_base64', detail: 'data is not valid base64' },
    ],
    ['bits after the last byte', 'e31=', { ok: true, value: {}, bytes: 2 }],
    [
      'URL-safe base64',
      'eyJhIjoiPj4-PyJ9',
      { ok: false, reason: 'invalid_base64', detail: 'data is not valid base64' },
    ],
  ])('decodes %s as Buffer and a fatal UTF-8 decoder read it', (_name, data, expected) => {
    expect(decodeJsonObject(data, 1024)).toEqual(expected);
  });

  it('parses deeply nested JSON without crashing', () => {
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    expect(decodeJsonObject(base64(deep), 1_000_000).ok).toBe(true);
  });

  it('keeps a __proto__ key as plain data instead of changing the prototype', () => {
    const decoded = decodeJsonObject(base64('{"__proto__":{"polluted":true}}'), 1024);
    expect(decoded.ok && Object.getPrototypeOf(decoded.value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
