import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used so far, in microseconds, from /proc. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1e6) / CLOCK_TICKS_PER_SECOND;
}

/** Resident set size now and its peak (VmHWM), in MB. */
export function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** Read and write system calls made so far by a process (all threads), from /proc/<pid>/io. */
export function syscalls(pid: number): { reads: number; writes: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string) => Number(io.match(new RegExp(`^${name}: (\\d+)`, 'm'))?.[1] ?? 0);
  return { reads: field('syscr'), writes: field('syscw') };
}

/**
 * CPU seconds used so far by the Redis server at `url` (INFO cpu: user + sys, all its threads), so
 * the benchmark can report what the runtime state costs per request beside the gateway's own CPU.
 */
export async function redisCpuMicros(url: string): Promise<number> {
  const { hostname, port } = new URL(url);
  const { createConnection } = await import('node:net');
  const info = await new Promise<string>((resolve, reject) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const header = /^\$(\d+)\r\n/.exec(text);
      if (header?.[1] !== undefined && Buffer.byteLength(text) >= header[0].length + Number(header[1])) {
        socket.end();
        resolve(text);
      }
    });
    socket.on('error', reject);
    socket.write('INFO cpu\r\n');
  });
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

/**
 * Waits until the process uses less than `share` of one core over `windowMs` (a usage worker done
 * with its backlog), at most `maxMs`. Returns false when it was still busy at the deadline.
 */
export async function waitUntilIdle(
  pid: number,
  {
    share = 0.03,
    windowMs = 500,
    maxMs = 60_000,
  }: { share?: number; windowMs?: number; maxMs?: number } = {},
): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    const before = cpuMicros(pid);
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    if (cpuMicros(pid) - before < share * windowMs * 1000) return true;
  }
  return false;
}
