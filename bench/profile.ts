/**
 * What holds a burst back: while it runs, every 250 ms, the sandbox process's CPU (its handlers,
 * pollers and the emulators written in JavaScript share one event loop), DynamoDB Local's JVM CPU,
 * the whole machine's CPU (other processes competing), the event loop's delay, and the emails SES
 * accepted; plus a V8 CPU profile of the sandbox process, its samples grouped by where the code lives
 * (Closeloop's handlers, the SDK, each emulator, the sandbox's pollers). The summary compares the
 * seconds below 0.9 of the allowed send rate with the others and names what was saturated.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';

interface Sample {
  readonly at: number;
  /** Time since the previous sample, ms (250 unless the loop was late). */
  readonly elapsedMs: number;
  /** CPU time of this process since the previous sample, ms. */
  readonly nodeMs: number;
  /** CPU time of DynamoDB Local's JVM since the previous sample, ms. */
  readonly jvmMs: number;
  /** CPU time of the whole machine (every core, every process) since the previous sample, ms. */
  readonly machineMs: number;
  /** The event loop's p99 delay over the interval, ms. */
  readonly loopP99Ms: number;
}

export interface BurstProfile {
  readonly cores: number;
  /** 1-second windows between the first and last accepted email. */
  readonly windows: number;
  /** Windows below 0.9 of the allowed rate. */
  readonly slowWindows: number;
  /** Means over the slow windows and over the others: CPU in % of one core (machine: % of all cores), loop delay in ms. */
  readonly slow: WindowMeans;
  readonly steady: WindowMeans;
  /** The sandbox process's CPU samples by where the code lives, largest first, as shares of its samples. */
  readonly where: readonly { readonly part: string; readonly share: number }[];
  /** One sentence: what was saturated in the slow windows. */
  readonly verdict: string;
}

interface WindowMeans {
  readonly nodeCpu: number;
  readonly jvmCpu: number;
  readonly machineCpu: number;
  readonly loopP99Ms: number;
}

const TICK_MS = 1000 / 100; // USER_HZ: /proc reports CPU time in clock ticks of 10 ms on Linux.

/** The JVM running DynamoDB Local among this process's children (Linux /proc), if any. */
function jvmPid(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('DynamoDBLocal')) return Number(entry);
    } catch {
      // The process ended while being read.
    }
  }
  return undefined;
}

function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat; after the command, at 11 and 12 (0-based).
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

function machineCpuMs(): number {
  try {
    const [cpu] = readFileSync('/proc/stat', 'utf8').split('\n');
    const [user, nice, system, , , irq, softirq, steal] = (cpu ?? '').trim().split(/\s+/).slice(1).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * TICK_MS;
  } catch {
    return 0;
  }
}

/** Where a profiled function lives, from its script's URL. */
export function partOf(url: string): string {
  if (!url) return 'V8 and native code (program, builtins)';
  if (url.startsWith('node:')) return 'Node.js core (streams, http, crypto)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) {
    const name = modules[1] as string;
    if (name.startsWith('@aws-sdk/') || name.startsWith('@smithy/')) return 'AWS SDK (@aws-sdk, @smithy)';
    if (name === 'fauxqs') return 'SQS emulator (fauxqs)';
    if (name === 'aws-ses-v2-local') return 'SES emulator (aws-ses-v2-local)';
    if (name.startsWith('@aws-lambda-powertools/')) return 'Powertools';
    return 'other libraries (express and its parts, …)';
  }
  if (url.includes('/functions/')) return 'Closeloop handlers (functions/)';
  if (url.includes('/sandbox/')) return 'sandbox (pollers, bus, HTTP API)';
  return 'other';
}

export interface Profiler {
  stop(accepted: readonly number[], allowedRate: number): Promise<BurstProfile>;
}

/** Starts sampling this process, its DynamoDB Local JVM and the machine, and a V8 CPU profile. */
export async function startProfile(): Promise<Profiler> {
  const jvm = jvmPid();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const samples: Sample[] = [];
  let last = { at: Date.now(), cpu: process.cpuUsage(), jvm: processCpuMs(jvm), machine: machineCpuMs() };
  const timer = setInterval(() => {
    const cpu = process.cpuUsage(last.cpu);
    const now = { at: Date.now(), cpu: process.cpuUsage(), jvm: processCpuMs(jvm), machine: machineCpuMs() };
    samples.push({
      at: now.at,
      elapsedMs: now.at - last.at,
      nodeMs: (cpu.user + cpu.system) / 1000,
      jvmMs: now.jvm - last.jvm,
      machineMs: now.machine - last.machine,
      loopP99Ms: loop.percentile(99) / 1e6,
    });
    loop.reset();
    last = now;
  }, 250);

  return {
    async stop(accepted, allowedRate) {
      clearInterval(timer);
      loop.disable();
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      return summarise(samples, accepted, allowedRate, jvm !== undefined, profile.nodes, profile.samples ?? []);
    },
  };
}

type ProfileNode = { id: number; callFrame: { url: string; functionName: string } };

/** A profile node's part: V8's own entries first (idle time, garbage collection), then by script. */
const partOfNode = (node: ProfileNode) =>
  node.callFrame.functionName === '(idle)'
    ? 'idle (waiting on I/O and timers)'
    : node.callFrame.functionName === '(garbage collector)'
      ? 'garbage collection'
      : partOf(node.callFrame.url);

export function summarise(
  samples: readonly Sample[],
  accepted: readonly number[],
  allowedRate: number,
  sawJvm: boolean,
  nodes: readonly ProfileNode[],
  hits: readonly number[],
): BurstProfile {
  const cores = os.cpus().length;
  const first = accepted[0] ?? 0;
  const lastAccepted = accepted.at(-1) ?? 0;
  const windows: { slow: boolean; samples: Sample[] }[] = [];
  for (let start = first; start + 1000 <= lastAccepted; start += 1000) {
    const sent = accepted.filter((t) => t >= start && t < start + 1000).length;
    windows.push({ slow: sent < 0.9 * allowedRate, samples: samples.filter((s) => s.at > start && s.at <= start + 1000) });
  }
  const means = (group: Sample[]): WindowMeans => {
    const span = group.reduce((total, s) => total + s.elapsedMs, 0);
    const sum = (pick: (s: Sample) => number) => group.reduce((total, s) => total + pick(s), 0);
    return span
      ? {
          nodeCpu: (100 * sum((s) => s.nodeMs)) / span,
          jvmCpu: (100 * sum((s) => s.jvmMs)) / span,
          machineCpu: (100 * sum((s) => s.machineMs)) / (span * cores),
          loopP99Ms: sum((s) => s.loopP99Ms) / group.length,
        }
      : { nodeCpu: 0, jvmCpu: 0, machineCpu: 0, loopP99Ms: 0 };
  };
  const slow = means(windows.filter((w) => w.slow).flatMap((w) => w.samples));
  const steady = means(windows.filter((w) => !w.slow).flatMap((w) => w.samples));

  const partById = new Map(nodes.map((n) => [n.id, partOfNode(n)]));
  const counts = new Map<string, number>();
  for (const id of hits) {
    const part = partById.get(id) ?? 'other';
    counts.set(part, (counts.get(part) ?? 0) + 1);
  }
  const where = [...counts.entries()].map(([part, n]) => ({ part, share: n / Math.max(1, hits.length) })).sort((a, b) => b.share - a.share);

  const slowWindows = windows.filter((w) => w.slow).length;
  const busy = [
    slow.machineCpu >= 90 &&
      `the machine's ${cores} cores (${slow.machineCpu.toFixed(0)} % busy${sawJvm ? `, DynamoDB Local's JVM ${slow.jvmCpu.toFixed(0)} % of a core` : ''})`,
    slow.nodeCpu >= 85 && `the sandbox's one event loop (${slow.nodeCpu.toFixed(0)} % of a core, loop delay p99 ${slow.loopP99Ms.toFixed(0)} ms)`,
  ].filter(Boolean);
  const verdict = !slowWindows
    ? 'no second below 0.9 of the allowed rate'
    : busy.length
      ? `in the ${slowWindows} slow seconds, saturated: ${busy.join('; ')}`
      : `in the ${slowWindows} slow seconds nothing was saturated (sandbox ${slow.nodeCpu.toFixed(0)} % of a core, machine ${slow.machineCpu.toFixed(0)} %): waiting (retry back-off, polling intervals), not CPU`;
  return { cores, windows: windows.length, slowWindows, slow, steady, where, verdict };
}
