import { createServer } from 'node:net';

/** The first of `count` consecutive free ports on 127.0.0.1 (servers that take a port range). */
export async function freePorts(count: number): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const first = await listenOn(0);
    if (first + count > 65_000) continue;
    let free = true;
    for (let next = first + 1; next < first + count && free; next++) free = await canListen(next);
    if (free) return first;
  }
  throw new Error(`found no ${count} consecutive free ports on 127.0.0.1`);
}

function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : port));
    });
  });
}

async function canListen(port: number): Promise<boolean> {
  try {
    await listenOn(port);
    return true;
  } catch {
    return false;
  }
}
