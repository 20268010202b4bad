import { z } from 'zod';
import {
  DeviceRegistryEntrySchema,
  REGISTRY_COLUMN_NAMES,
  REGISTRY_NUMERIC_COLUMNS,
  type DeviceRegistry,
  type DeviceRegistryEntry,
  type RegistryColumnName,
} from './schema';

export type RegistryFormat = 'csv' | 'jsonl';

/** One problem in a registry file, on a 1-based line of the file. */
export interface RegistryProblem {
  line: number;
  message: string;
}

/** How many problems a `RegistryFormatError` message names; all of them are in `problems`. */
const PROBLEMS_IN_MESSAGE = 5;

/**
 * A registry file that is refused as a whole. One bad line refuses the file: accepting the rest
 * would turn the devices on the bad lines silently into "unregistered".
 */
export class RegistryFormatError extends Error {
  override name = 'RegistryFormatError';

  constructor(readonly problems: readonly RegistryProblem[]) {
    const named = problems
      .slice(0, PROBLEMS_IN_MESSAGE)
      .map(({ line, message }) => (line > 0 ? `line ${line}: ${message}` : message));
    const more =
      problems.length > PROBLEMS_IN_MESSAGE ? ` (and ${problems.length - PROBLEMS_IN_MESSAGE} more)` : '';
    super(`invalid device registry: ${named.join('; ')}${more}`);
  }
}

/** The format of a registry object, from its key or file name: `.csv` is CSV, anything else JSON Lines. */
export const registryFormatFor = (key: string): RegistryFormat => (/\.csv$/i.test(key) ? 'csv' : 'jsonl');

// Compiled (`z.compile`: the same results and issues, as in normalise.ts): a 100,000-device
// registry validates in about 0.2 instead of 0.5-0.7 s, which a container pays per registry version.
const RegistryEntry = z.compile(DeviceRegistryEntrySchema);

const describeIssues = (error: z.ZodError): string =>
  error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join(', ');

interface Row {
  line: number;
  value: unknown;
}

const jsonlRows = (text: string, problems: RegistryProblem[]): Row[] => {
  const rows: Row[] = [];
  text.split('\n').forEach((raw, index) => {
    const content = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (content.trim() === '') return;
    try {
      rows.push({ line: index + 1, value: JSON.parse(content) });
    } catch {
      problems.push({ line: index + 1, message: 'not valid JSON' });
    }
  });
  return rows;
};

/** A CSV record with the 1-based line it starts on. */
interface CsvRecord {
  line: number;
  fields: string[];
}

/**
 * RFC 4180 (https://www.rfc-editor.org/rfc/rfc4180): fields separated by commas, records by CRLF
 * (a bare LF is accepted too, as spreadsheets on Linux write it), fields that contain commas,
 * quotes or line breaks enclosed in double quotes, a quote inside them doubled.
 */
const csvRecords = (text: string, problems: RegistryProblem[]): CsvRecord[] => {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  // Whether the current field was quoted: `""` is an empty field, not a blank line.
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  const endRecord = (): void => {
    fields.push(field);
    if (fields.length > 1 || field !== '' || quoted) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    quoted = false;
  };
  let index = 0;
  while (index < text.length) {
    const char = text[index] as string;
    index += 1;
    if (char === '"' && field === '' && !quoted) {
      const start = line;
      let closed = false;
      while (index < text.length) {
        const inner = text[index] as string;
        index += 1;
        if (inner === '"' && text[index] === '"') {
          field += '"';
          index += 1;
        } else if (inner === '"') {
          closed = true;
          break;
        } else {
          if (inner === '\n') line += 1;
          field += inner;
        }
      }
      if (!closed) {
        problems.push({ line: start, message: 'quoted field is not closed' });
        return records;
      }
      quoted = true;
    } else if (char === ',') {
      fields.push(field);
      field = '';
      quoted = false;
    } else if (char === '\n' || (char === '\r' && text[index] === '\n')) {
      if (char === '\r') index += 1;
      endRecord();
      line += 1;
      recordLine = line;
    } else {
      if (quoted) {
        problems.push({ line, message: 'text after the closing quote of a field' });
        quoted = false;
      }
      field += char;
    }
  }
  if (field !== '' || fields.length > 0 || quoted) endRecord();
  return records;
};

const NUMERIC_CELL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

const csvRows = (text: string, problems: RegistryProblem[]): Row[] => {
  const [header, ...records] = csvRecords(text, problems);
  if (header === undefined) return [];
  const names = header.fields.map((name) => name.trim());
  const known = new Set<string>(REGISTRY_COLUMN_NAMES);
  const headerProblems = [
    ...names.filter((name) => !known.has(name)).map((name) => `unknown column "${name}"`),
    ...names.filter((name, index) => names.indexOf(name) !== index).map((name) => `column "${name}" twice`),
    ...(['device_id', 'site'] as const)
      .filter((name) => !names.includes(name))
      .map((name) => `no "${name}" column`),
  ];
  if (headerProblems.length > 0) {
    problems.push({ line: header.line, message: `header: ${headerProblems.join(', ')}` });
    return [];
  }
  return records.flatMap(({ line, fields }) => {
    if (fields.length !== names.length) {
      problems.push({ line, message: `${fields.length} fields, the header has ${names.length}` });
      return [];
    }
    const value: Record<string, unknown> = {};
    names.forEach((name, index) => {
      const cell = fields[index] ?? '';
      // An empty cell is "not set"; a number column holds a number when the cell is one (otherwise
      // the string stays, and the schema reports it).
      value[name] =
        cell.trim() === ''
          ? null
          : REGISTRY_NUMERIC_COLUMNS.has(name as RegistryColumnName) && NUMERIC_CELL.test(cell.trim())
            ? Number(cell.trim())
            : cell;
    });
    return [{ line, value }];
  });
};

/**
 * Parses a registry file (CSV with a header row, or JSON Lines with one object per line) into
 * entries by device id. Blank lines are ignored; a UTF-8 byte-order mark is dropped.
 *
 * @throws RegistryFormatError naming the bad lines when any line is invalid or a device id repeats:
 * the file is refused as a whole.
 */
export const parseRegistry = (text: string, format: RegistryFormat): DeviceRegistry => {
  const content = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const problems: RegistryProblem[] = [];
  const rows = format === 'csv' ? csvRows(content, problems) : jsonlRows(content, problems);
  const registry = new Map<string, DeviceRegistryEntry>();
  const firstLine = new Map<string, number>();
  for (const { line, value } of rows) {
    const parsed = RegistryEntry.safeParse(value);
    if (!parsed.success) {
      problems.push({ line, message: describeIssues(parsed.error) });
      continue;
    }
    const { device_id: deviceId } = parsed.data;
    const first = firstLine.get(deviceId);
    if (first !== undefined) {
      problems.push({ line, message: `duplicate device_id "${deviceId}" (first on line ${first})` });
      continue;
    }
    firstLine.set(deviceId, line);
    registry.set(deviceId, parsed.data);
  }
  if (problems.length > 0) throw new RegistryFormatError(problems.sort((a, b) => a.line - b.line));
  return registry;
};

/**
 * The stored form of a registry: JSON Lines, one entry per line with every column in column order
 * (null when not set), the layout the Glue JSON SerDe reads.
 */
export const serialiseRegistry = (entries: Iterable<DeviceRegistryEntry>): string => {
  let text = '';
  for (const entry of entries) {
    const row: Record<string, unknown> = {};
    for (const name of REGISTRY_COLUMN_NAMES) row[name] = entry[name] ?? null;
    text += `${JSON.stringify(row)}\n`;
  }
  return text;
};
