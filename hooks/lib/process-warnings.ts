/**
 * Prints Node's process warnings as Node does, but one known to be harmless: kafkajs 2.2.4
 * schedules its request queue with a negative delay on Node 24 (tulios/kafkajs#1751), which Node
 * runs after 1 ms, as kafkajs means. In a hook's log it would send the reader after a problem that
 * is not there.
 */
export function printWarningsButKnownHarmless(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning') return;
    process.stderr.write(`(node:${process.pid}) ${warning.name}: ${warning.message}\n`);
  });
}
