// The labels the chart and both programs agree on: the deploy command tells LearnFlow's own Pods by
// them, the hooks program puts them on what it creates outside the release (the credentials
// Secret, the topic state ConfigMap), and the deploy command finds those by them, even once the
// release is gone.

export const labelKeys = {
  instance: 'app.kubernetes.io/instance',
  managedBy: 'app.kubernetes.io/managed-by',
  partOf: 'app.kubernetes.io/part-of',
} as const;

/** The app.kubernetes.io/part-of value of everything of LearnFlow's own (templates/_names.tpl sets it on the chart's objects). */
export const learnflowPart = 'learnflow';

/** The app.kubernetes.io/managed-by value of what the hooks program creates. */
export const hooksManager = 'learnflow-hooks';

/** The labels of what the hooks program creates for `release`: the credentials Secret, the topic state ConfigMap. */
export function hooksOwnedLabels(release: string): Record<string, string> {
  return { [labelKeys.partOf]: learnflowPart, [labelKeys.managedBy]: hooksManager, [labelKeys.instance]: release };
}

/** The label selector that finds them. */
export function hooksOwnedSelector(release: string): string {
  return `${labelKeys.managedBy}=${hooksManager},${labelKeys.instance}=${release}`;
}
