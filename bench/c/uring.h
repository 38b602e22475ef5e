/*
 * What the io_uring programs share: the one ring and an SQE getter that
 * submits when the queue is full; for the servers, the ring's set-up with the
 * flags our TypeScript engine also asks for (falling back when the kernel
 * lacks them) and the multishot accept. (load-uring.c sets its ring up with
 * a bigger completion queue of its own.)
 */
#ifndef BENCH_URING_H
#define BENCH_URING_H
#include <liburing.h>

static struct io_uring ring;

static inline struct io_uring_sqe *sqe(void) {
  struct io_uring_sqe *s = io_uring_get_sqe(&ring);
  if (!s) {
    io_uring_submit(&ring);
    s = io_uring_get_sqe(&ring);
  }
  return s;
}

/* 0, or -1 when the kernel gives no ring at all. */
static inline int open_ring(void) {
  struct io_uring_params p = {.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_COOP_TASKRUN};
  if (io_uring_queue_init_params(4096, &ring, &p) == 0) return 0;
  p.flags = 0;
  return io_uring_queue_init_params(4096, &ring, &p) == 0 ? 0 : -1;
}

/* A multishot accept on `lfd`; its completions carry `tag` as user_data. */
static inline void arm_accept(int lfd, unsigned long long tag) {
  struct io_uring_sqe *s = sqe();
  io_uring_prep_multishot_accept(s, lfd, NULL, NULL, 0);
  io_uring_sqe_set_data64(s, tag);
}
#endif
