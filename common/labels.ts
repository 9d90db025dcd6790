// The labels the chart and both programs agree on: the deploy command tells LearnFlow's own Pods by
// them, the hooks program puts them on the credentials Secret it creates, and the deploy command
// finds that Secret by them, even once the release is gone.

export const labelKeys = {
  instance: 'app.kubernetes.io/instance',
  managedBy: 'app.kubernetes.io/managed-by',
  partOf: 'app.kubernetes.io/part-of',
} as const;

/** The app.kubernetes.io/part-of value of everything of LearnFlow's own (templates/_names.tpl sets it on the chart's objects). */
export const learnflowPart = 'learnflow';

/** The app.kubernetes.io/managed-by value of what the hooks program creates. */
export const hooksManager = 'learnflow-hooks';

/** The labels of the credentials Secret of `release`. */
export function credentialsSecretLabels(release: string): Record<string, string> {
  return { [labelKeys.partOf]: learnflowPart, [labelKeys.managedBy]: hooksManager, [labelKeys.instance]: release };
}

/** The label selector that finds it. */
export function credentialsSecretSelector(release: string): string {
  return `${labelKeys.managedBy}=${hooksManager},${labelKeys.instance}=${release}`;
}
