/*
 * Reference echo server on io_uring (liburing), single thread: the
 * physical limit our TypeScript engine is measured against. Multishot
 * accept; per connection one buffer, recv -> send (the rest after a partial
 * send) -> recv; one io_uring_submit_and_wait per loop turn.
 *
 * The buffer is 64 KiB, the ceiling of our server's adaptive receive size
 * (--buffer-size), so that a stream costs both the same number of receives.
 * With 8 KiB it made 2 receives and 2 sends of each 16 KiB message, cost
 * 1.7-3x our server's CPU per message in streams, and its throughput moved
 * 10-30% with how its peer read: the peer's receive pace set both sides'
 * autotuned TCP receive buffers (0.2-1 MB under the C load client, 0.8-3.4
 * MB under `iocp-echo bench`), and with them how often this server waited.
 * A yardstick that moves with the client cannot tell two clients apart
 * (bench/RESULTS.md, 2026-12-04).
 */
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listen.h"
#include "uring.h"

#define MAX_CONNS 65536
#define BUF 65536
enum { ACCEPT = 1, RECV = 2, SEND = 3 };

typedef struct {
  char buf[BUF];
  unsigned len, sent;
} conn_t;

static conn_t *conns[MAX_CONNS];

static void post(int op, int fd) {
  struct io_uring_sqe *s = sqe();
  conn_t *c = conns[fd];
  if (op == RECV) io_uring_prep_recv(s, fd, c->buf, BUF, 0);
  else io_uring_prep_send(s, fd, c->buf + c->sent, c->len - c->sent, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(s, ((unsigned long long)fd << 8) | (unsigned)op);
}

int main(int argc, char **argv) {
  int lfd = listen_loopback(argc > 1 ? atoi(argv[1]) : 7000, 0);
  if (lfd < 0) return 1;
  if (open_ring() < 0) return 1;
  arm_accept(lfd, ACCEPT);
  for (;;) {
    io_uring_submit_and_wait(&ring, 1);
    struct io_uring_cqe *cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      seen++;
      unsigned long long ud = cqe->user_data;
      int op = (int)(ud & 0xff), fd = (int)(ud >> 8), res = cqe->res;
      if (op == ACCEPT) {
        if (res >= 0 && res < MAX_CONNS) {
          if (!conns[res]) conns[res] = malloc(sizeof(conn_t));
          post(RECV, res);
        } else if (res >= 0) {
          close(res);
        }
        if (!(cqe->flags & IORING_CQE_F_MORE)) arm_accept(lfd, ACCEPT);
      } else if (res <= 0) {
        close(fd);
      } else if (op == RECV) {
        conns[fd]->len = (unsigned)res;
        conns[fd]->sent = 0;
        post(SEND, fd);
      } else {
        conns[fd]->sent += (unsigned)res;
        post(conns[fd]->sent < conns[fd]->len ? SEND : RECV, fd);
      }
    }
    io_uring_cq_advance(&ring, seen);
  }
}
