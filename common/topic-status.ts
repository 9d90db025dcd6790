// The outcome of the topic hook's last run, per topic, as it records it in its state ConfigMap
// (hooks/kafka/state.ts writes it) and `learnflow-infra verify` reads it.

/** The state ConfigMap's keys. */
export const topicStateKeys = { managed: 'managed.json', status: 'status.json' } as const;

export type TopicOutcome = 'created' | 'updated' | 'unchanged' | 'refused' | 'not-applied' | 'unmanaged' | 'deleted';

export interface TopicReport {
  topic: string;
  outcome: TopicOutcome;
  /** What was done, refused or found, one line each. */
  details: string[];
  /** Its configs set outside the catalogue, which the hook leaves as they are. */
  foreign?: Record<string, string>;
}

export interface TopicsStatus {
  /** Whether every catalogue topic is as the catalogue says, and no key is set outside it. */
  inSync: boolean;
  /** When the hook wrote this, ISO 8601. */
  time: string;
  topics: TopicReport[];
}

/** The status in `text`, or undefined when it is not one (not written by this program, or damaged). */
export function parseTopicsStatus(text: string): TopicsStatus | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const status = parsed as Partial<TopicsStatus> | null;
  const isReport = (report: unknown) =>
    typeof report === 'object' &&
    report !== null &&
    typeof (report as TopicReport).topic === 'string' &&
    typeof (report as TopicReport).outcome === 'string' &&
    Array.isArray((report as TopicReport).details);
  if (typeof status?.time !== 'string' || !Array.isArray(status.topics) || !status.topics.every(isReport)) return undefined;
  return status as TopicsStatus;
}
