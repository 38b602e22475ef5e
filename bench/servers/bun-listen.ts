/**
 * The echo a Bun user writes without us: Bun.listen, with the backpressure
 * handling a correct echo needs (write returns how much it took; the rest
 * waits for drain).
 */
const port = Number(process.argv[2] ?? 7000);
type State = { pending: Uint8Array[] };

function flush(socket: Bun.Socket<State>): void {
  const queue = socket.data.pending;
  while (queue.length > 0) {
    const head = queue[0]!;
    const n = socket.write(head);
    if (n < head.length) {
      queue[0] = head.subarray(n);
      return;
    }
    queue.shift();
  }
}

Bun.listen<State>({
  hostname: "127.0.0.1",
  port,
  socket: {
    open(socket) {
      socket.data = { pending: [] };
      socket.setNoDelay(true);
    },
    data(socket, data) {
      if (socket.data.pending.length > 0) {
        socket.data.pending.push(new Uint8Array(data));
        return;
      }
      const n = socket.write(data);
      if (n < data.length) socket.data.pending.push(new Uint8Array(data.subarray(n)));
    },
    drain(socket) {
      flush(socket);
    },
  },
});
console.log(`bun-listen echo on ${port}`);
