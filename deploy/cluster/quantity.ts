/** Kubernetes resource quantities ("250m", "1.5", "768Mi", "2G") as plain numbers. */

const suffixes: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const quantityPattern = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/;

/** A quantity in base units: cores for CPU, bytes for memory. */
export function parseQuantity(text: string | number): number {
  const match = quantityPattern.exec(String(text).trim());
  if (!match) throw new Error(`"${text}" is not a Kubernetes quantity`);
  const [, digits, exponent, suffix] = match;
  return Number(digits) * 10 ** Number(exponent ?? 0) * suffixes[suffix ?? '']!;
}

export interface Resources {
  cpu: number;
  memory: number;
}

export const noResources: Resources = { cpu: 0, memory: 0 };

export function addResources(a: Resources, b: Resources, times = 1): Resources {
  return { cpu: a.cpu + b.cpu * times, memory: a.memory + b.memory * times };
}

function formatCpu(cores: number): string {
  return Number.isInteger(cores) ? `${cores}` : `${Math.round(cores * 1000)}m`;
}

function formatMemory(bytes: number): string {
  const gibibytes = bytes / 2 ** 30;
  return gibibytes >= 1 ? `${Number(gibibytes.toFixed(2))}Gi` : `${Math.round(bytes / 2 ** 20)}Mi`;
}

export function formatResources(resources: Resources): string {
  return `${formatCpu(resources.cpu)} CPU, ${formatMemory(resources.memory)} memory`;
}
