import { createServer } from 'node:net';

/**
 * The first of `count` consecutive free ports on 127.0.0.1 (servers that take a port range).
 * Chosen below Linux's ephemeral range (32768 and up), which outgoing connections draw from: a
 * port found free there can be taken by a client before the server binds it.
 */
export async function freePorts(count: number): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const first = 20_000 + Math.floor(Math.random() * (12_000 - count));
    let free = true;
    for (let next = first; next < first + count && free; next++) free = await canListen(next);
    if (free) return first;
  }
  throw new Error(`found no ${count} consecutive free ports on 127.0.0.1 below 32000`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
