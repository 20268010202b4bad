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
