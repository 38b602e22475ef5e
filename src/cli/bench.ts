/**
 * `iocp-echo bench --target HOST:PORT [options]`: the load client (src/bench/).
 * Exit codes: 0 a clean run, 1 errors or wrong echoes (or the target
 * accepted nothing, said in one line), 2 (thrown ConfigError) bad arguments.
 */
import { BENCH_OPTIONS, benchConfigProblem, withDefaults } from "../bench/options.ts";
import { BenchFailure, runBench } from "../bench/run.ts";
import { answerHelpOrVersion, type Command, type CommandIo } from "./command.ts";
import { ConfigError, optionHelp, parseOptions } from "./options.ts";

export const BENCH_HELP = `Usage: iocp-echo bench --target HOST:PORT [options]

Measures an echo server from this machine: connects, sends a pseudo-random
stream on each connection, checks every byte that comes back, and reports
messages/s, MB/s, latency percentiles, connect times and errors by kind.
With --udp, sequence-numbered datagrams instead: loss, duplicates,
reordering and jitter as well. Progress goes to stderr once per
--interval; the report to stdout.

${optionHelp(BENCH_OPTIONS)}
Exit status: 0 a clean run; 1 errors, wrong echoes (UDP: lost or duplicate
datagrams too; reordering alone is no error), or a target that accepted no
connection; 2 bad arguments.
`;

async function bench(argv: string[], io: CommandIo): Promise<number> {
  const request = parseOptions(BENCH_OPTIONS, argv);
  if (request.kind !== "run") return answerHelpOrVersion(request.kind, BENCH_HELP, io);
  const problem = benchConfigProblem(request.values);
  if (problem !== null) throw new ConfigError(problem);
  try {
    return await runBench(withDefaults(request.values), { ...io, tty: process.stderr.isTTY === true });
  } catch (error) {
    if (!(error instanceof BenchFailure)) throw error;
    io.err(`iocp-echo bench: ${error.message}\n`);
    return 1;
  }
}

export const benchCommand: Command = {
  name: "bench",
  summary: "measure an echo server: throughput, latency, every byte checked",
  run: bench,
};
