import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { localLayout, localRoot } from '../cloud/layout';
import { DEFAULT_DASHBOARD_PORT, localDashboardFile } from './location';

const SECURITY_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // The page carries its own Content-Security-Policy; this only forbids framing it.
  'Content-Security-Policy': "frame-ancestors 'none'",
};

/**
 * A read-only HTTP server for the generated dashboard: `GET`/`HEAD` of `/` (or `/index.html`)
 * answer the file as it is on disk now (a new `npm start` shows on reload); anything else is
 * refused. It listens on 127.0.0.1 only.
 */
export const createDashboardServer = (file: string): Server =>
  createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, {
        Allow: 'GET, HEAD',
        'Content-Type': 'text/plain; charset=utf-8',
        ...SECURITY_HEADERS,
      });
      response.end('Read-only: GET or HEAD only.\n');
      return;
    }
    if (url.pathname !== '/' && url.pathname !== '/index.html') {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
      response.end('Not found: the dashboard is at /.\n');
      return;
    }
    readFile(file).then(
      (body) => {
        response.writeHead(200, {
          'Content-Type': 'text/html; charset=utf-8',
          'Content-Length': body.length,
          ...SECURITY_HEADERS,
        });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      () => {
        response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
        response.end(`No dashboard at ${file} yet: run npm start first.\n`);
      },
    );
  });

const option = (args: readonly string[], name: string): string | undefined => {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
};

/** `npm run dashboard [-- --port 8765] [--file path]`. */
const main = async (args: readonly string[]): Promise<void> => {
  const file = option(args, '--file') ?? localDashboardFile(localLayout(localRoot()).reportsDir);
  const port = Number(option(args, '--port') ?? process.env.DASHBOARD_PORT ?? DEFAULT_DASHBOARD_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`Not a port: ${port}`);
  const server = createDashboardServer(file);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  console.log(`Serving ${file} read-only at http://127.0.0.1:${port}/ (Ctrl+C to stop)`);
};

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
