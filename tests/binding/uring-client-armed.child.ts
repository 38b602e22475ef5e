/**
 * Child of uring-client-keeps-one-receive-armed.test.ts: one connection of
 * the bench's io_uring client queue, with multishot receives, to the echo
 * server on argv[2]'s port; prints what each completion said.
 */
import { CompletionBatch, OpKind } from "../../src/engine.ts";
import { openUringClientQueue } from "../../src/ffi/linux/uring-client.ts";

const port = Number(process.argv[2]);
const queue = openUringClientQueue({
  backend: "io_uring",
  address: "127.0.0.1",
  port,
  family: 4,
  slots: 1,
  transport: "tcp",
  areaBytes: 4096,
  patternBytes: 0,
  multishotReceives: true,
});
const batch = new CompletionBatch(16);
const gen = 7;

/** Waits until a completion of `op` comes, returning it with the entry's index; gives up after 2 s. */
function next(op: number): { res: number; more: number; entry: number } {
  queue.armTimer(2000);
  for (;;) {
    queue.wait(batch);
    for (let i = 0; i < batch.count; i++) {
      // A timer that fired says -ETIME; one cancelled after an earlier wait, -ECANCELED.
      if (batch.op[i] === OpKind.Timer && batch.res[i] === -62) {
        console.error(`no completion of op ${op} within 2 s`);
        process.exit(1);
      }
      if (batch.op[i] === op && batch.gen[i] === gen) {
        queue.cancelTimer();
        return { res: batch.res[i]!, more: batch.more[i]!, entry: i };
      }
    }
  }
}

const out: Record<string, unknown> = { multishot: queue.multishotReceives };
queue.connect(0, gen);
out.connected = next(OpKind.Connect).res;
queue.recv(0, gen, true);
const echoes: { res: number; more: number; same: boolean }[] = [];
for (let m = 0; m < 3; m++) {
  const at = queue.sendAt(0);
  for (let i = 0; i < 64; i++) queue.memory[at + i] = (m * 64 + i) & 0xff;
  queue.send(0, gen, at, 64, true);
  let got = 0;
  let same = true;
  let more = 1;
  while (got < 64) {
    const e = next(OpKind.Recv);
    const from = queue.receivedAt(e.entry, 0);
    for (let i = 0; i < e.res; i++) same &&= queue.memory[from + i] === ((m * 64 + got + i) & 0xff);
    if (e.res <= 0) break;
    got += e.res;
    more &&= e.more;
  }
  echoes.push({ res: got, more, same });
}
out.echoes = echoes;
queue.abort(0);
const last = next(OpKind.Recv);
out.afterAbort = { res: last.res, more: last.more };
queue.close(0);
queue.dispose();
console.log(JSON.stringify(out));
