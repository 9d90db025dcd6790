import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../../common/errors.js';
import { imageValues, localClusterOf, parseImageReference } from '../../../../deploy/tools/image.js';

const digest = `sha256:${'a'.repeat(64)}`;

describe('the hooks image', () => {
  it('is loaded into kind, k3d and minikube clusters, known by their context names', () => {
    expect(localClusterOf('kind-learnflow')).toEqual({ tool: 'kind', name: 'learnflow' });
    expect(localClusterOf('k3d-dev')).toEqual({ tool: 'k3d', name: 'dev' });
    expect(localClusterOf('minikube')).toEqual({ tool: 'minikube', name: 'minikube' });
    expect(localClusterOf('arn:aws:eks:eu-west-1:1:cluster/prod')).toBeUndefined();
  });

  it("turns an image reference into the chart's values", () => {
    expect(imageValues(parseImageReference('registry.example.com:5000/team/hooks:1.2.3'))).toEqual([
      '--set-string',
      'hooks.image.registry=registry.example.com:5000',
      '--set-string',
      'hooks.image.repository=team/hooks',
      '--set-string',
      'hooks.image.tag=1.2.3',
    ]);
    expect(imageValues(parseImageReference(`learnflow/hooks@${digest}`))).toContain(`hooks.image.digest=${digest}`);
  });

  it.each([
    [
      'a registry with a port',
      'registry.example.com:5000/team/hooks:1.2.3',
      { registry: 'registry.example.com:5000', repository: 'team/hooks', tag: '1.2.3' },
    ],
    ['localhost with a port', 'localhost:5000/hooks:dev', { registry: 'localhost:5000', repository: 'hooks', tag: 'dev' }],
    [
      'localhost alone',
      'localhost/learnflow/learnflow-hooks:test-0a1b',
      { registry: 'localhost', repository: 'learnflow/learnflow-hooks' },
    ],
    ['an IPv6 registry', '[fd00::1]:5000/hooks:1', { registry: '[fd00::1]:5000', repository: 'hooks' }],
    ['Docker Hub, by default', 'learnflow/hooks:1', { registry: 'docker.io', repository: 'learnflow/hooks', tag: '1' }],
    ['a digest', `ghcr.io/learnflow/learnflow-hooks@${digest}`, { registry: 'ghcr.io', repository: 'learnflow/learnflow-hooks', digest }],
    ['a tag and a digest', `ghcr.io/a/b:0.2.0@${digest}`, { tag: '0.2.0', digest }],
    ['separators in the path', 'ghcr.io/a__b/c-d--e/f.g_h:v1_2-rc.3', { repository: 'a__b/c-d--e/f.g_h', tag: 'v1_2-rc.3' }],
  ])('reads %s', (_case, reference, parts) => {
    expect(parseImageReference(reference)).toMatchObject({ reference, ...parts });
  });

  it.each([
    [
      'a "," and "=" in the registry, which would add --set-string values',
      'a.b,hooks.podAnnotations.x=y/hooks:1',
      'its registry "a.b,hooks.podAnnotations.x=y" is not a host name or address with an optional :port',
    ],
    ['a "," and "=" in the tag', 'ghcr.io/a/hooks:1,hooks.x=y', 'its tag "1,hooks.x=y" is not 1 to 128 letters'],
    ['a "=" in the repository', 'ghcr.io/a=b/hooks:1', 'its repository "a=b/hooks" is not lowercase letters and digits'],
    ['a space', 'ghcr.io/learnflow/hooks :1', 'its repository "learnflow/hooks " is not'],
    ['an uppercase repository', 'ghcr.io/LearnFlow/hooks:1', 'its repository "LearnFlow/hooks" is not lowercase'],
    ['an empty path component', 'ghcr.io/learnflow//hooks:1', 'its repository "learnflow//hooks" is not'],
    ['a tag starting with "."', 'ghcr.io/a/hooks:.1', 'its tag ".1" is not'],
    ['a digest of another form', 'ghcr.io/a/hooks@sha256:abc', 'its digest "sha256:abc" is not sha256: and 64 lowercase hex digits'],
    ['two "@"', `ghcr.io/a/hooks@${digest}@${digest}`, 'it has more than one "@"'],
    ['neither tag nor digest', 'ghcr.io/learnflow/hooks', 'it has neither a tag nor a digest'],
  ])('refuses %s, naming the option, the part and an example', (_case, reference, why) => {
    let refused: unknown;
    try {
      parseImageReference(reference);
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({
      message: expect.stringContaining(`--image ${JSON.stringify(reference)} is not an image reference: ${why}`) as unknown,
      fix: expect.stringContaining('e.g. --image registry.example.com:5000/learnflow/learnflow-hooks:0.2.0') as unknown,
      exitCode: ExitCode.invalidInput,
    });
  });
});
