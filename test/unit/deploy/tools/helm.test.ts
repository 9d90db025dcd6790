import { describe, expect, it } from 'vitest';
import { parseDependencyList } from '../../../../deploy/tools/helm.js';

describe('helm output', () => {
  it('reads helm dependency list', () => {
    expect(
      parseDependencyList(
        [
          'NAME\tVERSION\tREPOSITORY\tSTATUS',
          'kafka\t31.5.0\toci://registry/bitnamicharts\tmissing',
          'dapr\t1.18.3\thttps://dapr.github.io/helm-charts\tunpacked',
          '',
        ].join('\n'),
      ),
    ).toEqual([
      { name: 'kafka', repository: 'oci://registry/bitnamicharts', status: 'missing' },
      { name: 'dapr', repository: 'https://dapr.github.io/helm-charts', status: 'unpacked' },
    ]);
  });
});
