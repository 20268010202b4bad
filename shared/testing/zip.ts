import { readFile } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';

// Format: https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT (sections 4.3.7, 4.3.12, 4.3.16).
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

/** One file of a zip archive, read from its central directory. */
export interface ZipEntry {
  name: string;
  /** Uncompressed size in bytes. */
  size: number;
  compressedSize: number;
  /** The file's content, inflated. */
  read: () => Buffer;
}

/**
 * Lists the files of a zip archive (stored or deflated entries; no ZIP64, which Lambda zips of a
 * few MB never need). Enough to inspect `sls package` artifacts without another dependency.
 */
export const readZip = async (zipPath: string): Promise<ZipEntry[]> => {
  const zip = await readFile(zipPath);
  let end = -1;
  // The end record sits in the last 22 bytes plus at most a 64 KiB comment.
  for (let offset = zip.length - 22; offset >= Math.max(0, zip.length - 22 - 0xffff); offset -= 1) {
    if (zip.readUInt32LE(offset) === END_OF_CENTRAL_DIRECTORY) {
      end = offset;
      break;
    }
  }
  if (end < 0) throw new Error(`${zipPath} is not a zip archive`);
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let index = 0; index < count; index += 1) {
    if (zip.readUInt32LE(offset) !== CENTRAL_FILE_HEADER)
      throw new Error(`${zipPath}: corrupt central directory`);
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localHeader = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    if (compressedSize === 0xffffffff || localHeader === 0xffffffff)
      throw new Error(`${zipPath}: ZIP64 is not supported`);
    entries.push({
      name,
      size,
      compressedSize,
      read: () => {
        if (zip.readUInt32LE(localHeader) !== LOCAL_FILE_HEADER)
          throw new Error(`${zipPath}: corrupt entry ${name}`);
        const start =
          localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
        const data = zip.subarray(start, start + compressedSize);
        if (method === 0) return Buffer.from(data);
        if (method === 8) return inflateRawSync(data);
        throw new Error(`${zipPath}: entry ${name} uses unsupported compression method ${method}`);
      },
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
};
