import { describe, expect, it } from 'vitest';
import { chartValues } from '../support/chart.js';
import { documentedHelmCommands, timeoutSeconds } from '../support/doc-commands.js';

describe('the helm commands of the docs', () => {
  it("keep the release's values: every upgrade reuses them and takes the user's file", async () => {
    const upgrades = (await documentedHelmCommands()).filter(({ command }) => command.startsWith('helm upgrade'));
    // README's install, and the upgrades of docs/upgrade.md, kafka.md, postgresql.md and dapr.md.
    expect(upgrades.length).toBeGreaterThanOrEqual(7);
    const dropping = upgrades.filter(
      ({ command }) => !(command.includes('--reset-then-reuse-values') && command.includes('-f my-values.yaml')),
    );
    expect(dropping.map(({ page, command }) => `${page}: ${command}`)).toEqual([]);
  });

  it("wait longer than the hooks' own deadline, so that a slow hook fails with its reason, not Helm's timeout", async () => {
    const deadline = (await chartValues()).hooks.activeDeadlineSeconds;
    const short = (await documentedHelmCommands()).filter(({ command }) => (timeoutSeconds(command) ?? 0) <= deadline);
    expect(short.map(({ page, command }) => `${page}: ${command}`)).toEqual([]);
  });
});
