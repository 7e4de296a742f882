// This VM's speed drifts: within minutes the same code runs up to 1.7× slower (on 2026-11-28 a fixed
// single-threaded workload took 1.5–1.9× its usual time for a quarter of an hour, with nothing else running).
// bench:e2e prints this figure beside its own, taken while none of its processes run, so that a slow phase
// is seen for what it is. The host matters as much: on 2026-11-28 the same code ran half as fast again on
// one VM as on another whose CPU workload timed within 10%, and profiles on the slower one had the
// hypervisor's handling of system calls as the hottest symbol of every process. The pipeline's costs are
// mostly socket writes, wake-ups and WAL writes, which the CPU workload never makes; hence the second probe.
import { closeSync, openSync, writeSync } from 'node:fs';
import { createTestEvent } from '../src/spec/create-test-event.ts';

/**
 * Milliseconds for a fixed single-threaded workload, parsing and stringifying a ~1 KB event 50,000 times:
 * the middle of three tries (the first also compiles the loop). ~200 ms at this VM's usual speed.
 */
export function machineSpeedMs(): number {
  const json = JSON.stringify(createTestEvent({ type: 'track' }));
  const tries: number[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = performance.now();
    let length = 0;
    for (let i = 0; i < 50_000; i++) length += JSON.stringify(JSON.parse(json)).length;
    if (length === 0) throw new Error('unreachable: keeps the loop from being optimised away');
    tries.push(performance.now() - started);
  }
  return Math.round(tries.sort((a, b) => a - b)[1]!);
}

/** Microseconds for one system call (a 1-byte write to /dev/null): the middle of three tries of 100,000. */
export function syscallMicros(): number {
  const fd = openSync('/dev/null', 'w');
  const byte = Buffer.alloc(1);
  const tries: number[] = [];
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const started = performance.now();
      for (let i = 0; i < 100_000; i++) writeSync(fd, byte);
      tries.push(((performance.now() - started) * 1_000) / 100_000);
    }
  } finally {
    closeSync(fd);
  }
  return Math.round(tries.sort((a, b) => a - b)[1]! * 100) / 100;
}
