/*
 * The io_uring reference server with multishot recv into a provided-buffer
 * ring (issue 4's first Linux item), to learn what that technique is worth
 * before building it in TypeScript: echo-uring.c against this, same load,
 * same pinning. One multishot RECV per connection picks buffers from one
 * ring of NBUF x 8 KiB; a received buffer is sent back and returned to the
 * ring once the send completes. Data that arrives while a send is in flight
 * waits in the connection's small FIFO; when the ring runs dry the kernel
 * ends the multishot (ENOBUFS) and it is re-armed once that connection's
 * FIFO has drained, which is the backpressure.
 */
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listen.h"
#include "uring.h"

#define MAX_CONNS 65536
#define BUF 8192
#define NBUF 4096
/* Queued buffers at which a connection's multishot is cancelled (256 KiB). */
#define CANCEL_AT 32
/* Buffers a connection may have queued: the cancel lands only at the next
   submit, and until then the multishot keeps filling buffers from whatever
   the client has in flight (the load client's 1 MiB window is 128 of them),
   so the FIFO holds that many past CANCEL_AT. */
#define FIFO 512
#define BGID 0
enum { ACCEPT = 1, RECV = 2, SEND = 3 };

typedef struct {
  unsigned short fifo[FIFO];
  unsigned fifo_len[FIFO];
  unsigned head, count, sent;
  int armed, eof;
} conn_t;

static conn_t *conns[MAX_CONNS];
/* Connections whose multishot ended for want of buffers with nothing of
   theirs queued: no send of theirs will complete to re-arm them, so the
   next buffer returned by anyone's send does. */
static int starved[MAX_CONNS], nstarved;
static struct io_uring_buf_ring *br;
static char *bufs;

static void give_back(unsigned short bid) {
  io_uring_buf_ring_add(br, bufs + (size_t)bid * BUF, BUF, bid, io_uring_buf_ring_mask(NBUF), 0);
  io_uring_buf_ring_advance(br, 1);
}
static void arm(int fd) {
  struct io_uring_sqe *s = sqe();
  io_uring_prep_recv_multishot(s, fd, NULL, 0, 0);
  s->flags |= IOSQE_BUFFER_SELECT;
  s->buf_group = BGID;
  io_uring_sqe_set_data64(s, ((unsigned long long)fd << 8) | RECV);
  conns[fd]->armed = 1;
}
/* Sends the rest of the oldest queued buffer. */
static void send_head(int fd) {
  conn_t *c = conns[fd];
  unsigned short bid = c->fifo[c->head];
  struct io_uring_sqe *s = sqe();
  io_uring_prep_send(s, fd, bufs + (size_t)bid * BUF + c->sent, c->fifo_len[c->head] - c->sent, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(s, ((unsigned long long)fd << 8) | SEND);
}
static void finish(int fd) {
  conn_t *c = conns[fd];
  while (c->count) {
    give_back(c->fifo[c->head]);
    c->head = (c->head + 1) % FIFO;
    c->count--;
  }
  close(fd);
}

int main(int argc, char **argv) {
  int lfd = listen_loopback(argc > 1 ? atoi(argv[1]) : 7000, 0);
  if (lfd < 0) return 1;
  if (open_ring() < 0) return 1;
  if (posix_memalign((void **)&br, 4096, NBUF * sizeof(struct io_uring_buf)) || posix_memalign((void **)&bufs, 4096, (size_t)NBUF * BUF)) return 1;
  io_uring_buf_ring_init(br);
  struct io_uring_buf_reg reg = {.ring_addr = (unsigned long)br, .ring_entries = NBUF, .bgid = BGID};
  if (io_uring_register_buf_ring(&ring, &reg, 0)) {
    fprintf(stderr, "io_uring_register_buf_ring failed\n");
    return 1;
  }
  for (unsigned short b = 0; b < NBUF; b++) give_back(b);
  arm_accept(lfd, ACCEPT);
  for (;;) {
    io_uring_submit_and_wait(&ring, 1);
    struct io_uring_cqe *cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      seen++;
      unsigned long long ud = cqe->user_data;
      int op = (int)(ud & 0xff), fd = (int)(ud >> 8), res = cqe->res;
      if (ud == 0) continue; /* a cancel's own completion */
      if (op == ACCEPT) {
        if (res >= 0 && res < MAX_CONNS) {
          if (!conns[res]) conns[res] = malloc(sizeof(conn_t));
          memset(conns[res], 0, sizeof(conn_t));
          arm(res);
        } else if (res >= 0) {
          close(res);
        }
        if (!(cqe->flags & IORING_CQE_F_MORE)) arm_accept(lfd, ACCEPT);
        continue;
      }
      conn_t *c = conns[fd];
      if (op == RECV) {
        if (!(cqe->flags & IORING_CQE_F_MORE)) c->armed = 0;
        if (res > 0) {
          unsigned slot = (c->head + c->count) % FIFO;
          c->fifo[slot] = (unsigned short)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
          c->fifo_len[slot] = (unsigned)res;
          if (++c->count == 1) {
            c->sent = 0;
            send_head(fd);
          }
          if (c->count > FIFO - 1) {
            fprintf(stderr, "fifo overflow\n");
            abort();
          }
          if (c->count == CANCEL_AT && c->armed) { /* enough queued: stop reading until it drains */
            struct io_uring_sqe *s = sqe();
            io_uring_prep_cancel64(s, ((unsigned long long)fd << 8) | RECV, 0);
            io_uring_sqe_set_data64(s, 0);
          }
        } else if (res == -ENOBUFS) {
          if (c->count == 0 && !c->armed) starved[nstarved++] = fd;
        } else if (res != -ECANCELED) {
          c->eof = 1;
          if (c->count == 0) finish(fd);
        }
        continue;
      }
      if (res < 0) {
        c->eof = 1;
        if (!c->armed) finish(fd);
        continue;
      }
      c->sent += (unsigned)res;
      if (c->sent < c->fifo_len[c->head]) {
        send_head(fd);
        continue;
      }
      give_back(c->fifo[c->head]);
      c->head = (c->head + 1) % FIFO;
      c->count--;
      c->sent = 0;
      if (nstarved) {
        int s = starved[--nstarved];
        if (conns[s] && !conns[s]->armed && !conns[s]->eof && conns[s]->count == 0) arm(s);
      }
      if (c->count) send_head(fd);
      else if (c->eof) {
        if (!c->armed) finish(fd);
      } else if (!c->armed) arm(fd);
    }
    io_uring_cq_advance(&ring, seen);
  }
}
