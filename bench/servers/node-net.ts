/** The node:net echo (run under Bun): pipe() carries the backpressure. */
import net from "node:net";

const port = Number(process.argv[2] ?? 7000);
net
  .createServer({ noDelay: true }, (socket) => {
    socket.on("error", () => socket.destroy());
    socket.pipe(socket);
  })
  .listen(port, "127.0.0.1", () => console.log(`node:net echo on ${port}`));
