/*
 * The load client `bun run bench` measures TCP servers with: one thread,
 * io_uring (liburing), N connections to 127.0.0.1:PORT, every echoed byte
 * checked. It does per message what `iocp-echo bench` does, in C, and no
 * more, so that on a 2-core machine (client and server a core each) the
 * server, not this client, is the limit:
 *   - one io_uring_enter per loop turn submits every send and receive the
 *     turn prepared and collects every completion that is ready (an epoll
 *     client pays epoll_wait + recv + recv(EAGAIN) + send per message);
 *   - sends go straight from a precomputed pattern (no fill loop), and an
 *     echo is checked with one memcmp against it (no per-byte arithmetic).
 *
 *   pingpong: each connection keeps one SIZE-byte message in flight and
 *             records its round trip; one multishot receive per connection
 *             stays armed, into a provided-buffer ring all connections
 *             share (Linux 6.0; a plain receive per echo before), as
 *             `iocp-echo bench` receives in ping-pong on io_uring;
 *   stream:   each connection keeps at most WINDOW = max(256 KiB, 4 * SIZE)
 *             bytes sent but not yet echoed; whole messages are committed
 *             once at least WINDOW / 8 of the window (and one message) is
 *             free, and go out in sends of at most 64 KiB, one send in
 *             flight per connection, while a 64 KiB receive is always
 *             posted. This is exactly the window of `iocp-echo bench
 *             --mode stream` (src/bench/pacer.ts), so the two clients keep
 *             the same bytes in flight.
 *
 * The bytes are those of `iocp-echo bench` (src/bench/payload.ts): a 1 MiB
 * pattern whose 32-bit little-endian word i is lowbias32(i), connection c
 * reading it in a circle from c * 40503. Both clients send the same stream.
 *
 * The clock starts --warmup seconds after every connection is made (as
 * `iocp-echo bench --warmup` does) and runs --seconds; only messages echoed
 * whole inside it count. Afterwards nothing new is committed and the echoes
 * in flight are awaited (5 s at most): bytes still missing then are
 * "unreturned". A connection with bytes outstanding and none back for a
 * second is "stalled" and given up, as `iocp-echo bench` does, so that
 * the two clients' verdicts count the same things. A line "interval" goes
 * to stderr at the end of each second of the measured time
 * (bench/client-cpu.ts samples the machine on it, as on each progress line
 * of `iocp-echo bench -i 1`). Prints one JSON line, with this client's own
 * CPU time over the measured seconds (cpu_seconds).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "latency.h"
#include "listen.h"
#include "uring.h"

#define PATTERN_BYTES (1u << 20)
#define STRIDE_BYTES 40503u
#define STREAM_WINDOW_BYTES (256 * 1024)
#define STREAM_COMMITS 8
#define AREA_BYTES 65536 /* largest receive, and largest send */
#define MIN_AREA_BYTES 4096
#define MAX_SIZE (16 * 1024 * 1024)
#define DRAIN_NS 5000000000ull
/* Stalls as `iocp-echo bench` judges them (src/bench/verifier.ts, bench-loop.ts): no byte back for
   STALL_NS while some are outstanding; looked for every SWEEP_NS; and not for GRACE_NS after a turn
   of the loop came PAUSE_NS or more after the one before (the machine paused this process). */
#define STALL_NS 1000000000ull
#define SWEEP_NS 250000000ull
#define PAUSE_NS 250000000ull
#define GRACE_NS 250000000ull
enum { RECV = 1, SEND = 2 };

typedef struct {
  int fd, dead;
  uint32_t sending;      /* bytes of the send in flight; 0 when none is */
  uint64_t committed;    /* bytes the mode has allowed out so far */
  uint64_t sent;         /* bytes handed to sends (in flight included) */
  uint64_t received;     /* bytes echoed back and checked */
  uint64_t started_ns;   /* pingpong: when the message in flight was committed */
  uint64_t progress_ns;  /* when bytes last came back, or went out with none outstanding */
  uint8_t *buf;
} conn_t;

static uint8_t *pattern; /* twice over, so any run up to PATTERN_BYTES is contiguous */
/* Ping-pong's provided-buffer ring: one buffer per connection and a batch's spares, a power of two
   (src/ffi/linux/uring-client.ts buffersFor); each buffer goes back as soon as its echo is checked. */
#define SPARE_BUFFERS 256
#define MAX_BUFFERS 16384
#define BUFFER_GROUP 1
static struct io_uring_buf_ring *buffer_ring;
static uint8_t *buffers;
static unsigned nbuffers;
static int multishot;
static uint64_t errors, stalled, corrupted, msgs, bytes;
static int size = 64, pingpong = 1, measuring = 0, committing = 1;
static uint64_t window, area;

/* This process's CPU time (user + system) in seconds. */
static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static uint32_t mix(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

static void build_pattern(void) {
  pattern = malloc(2 * PATTERN_BYTES);
  for (uint32_t i = 0; i < PATTERN_BYTES / 4; i++) {
    uint32_t w = mix(i);
    for (int b = 0; b < 4; b++) pattern[4 * i + b] = pattern[PATTERN_BYTES + 4 * i + b] = (uint8_t)(w >> (8 * b));
  }
}

static const uint8_t *stream_at(uint32_t c, uint64_t position) {
  return pattern + ((uint64_t)c * STRIDE_BYTES % PATTERN_BYTES + position % PATTERN_BYTES) % PATTERN_BYTES;
}

static void give_back(unsigned bid) {
  io_uring_buf_ring_add(buffer_ring, buffers + (size_t)bid * area, (unsigned)area, (unsigned short)bid,
                        io_uring_buf_ring_mask(nbuffers), 0);
  io_uring_buf_ring_advance(buffer_ring, 1);
}

/* Ping-pong on a kernel that has them: a provided-buffer ring for multishot receives. */
static void set_up_multishot(int nconns) {
  nbuffers = 1;
  while (nbuffers < (unsigned)nconns + SPARE_BUFFERS && nbuffers < MAX_BUFFERS) nbuffers <<= 1;
  if (posix_memalign((void **)&buffer_ring, 4096, nbuffers * sizeof(struct io_uring_buf))) return;
  buffers = malloc((size_t)nbuffers * area);
  io_uring_buf_ring_init(buffer_ring);
  struct io_uring_buf_reg reg = {.ring_addr = (unsigned long)buffer_ring, .ring_entries = nbuffers, .bgid = BUFFER_GROUP};
  /* IORING_OP_SEND_ZC came with multishot recv (Linux 6.0) and stands for it, as in uring-client.ts. */
  struct io_uring_probe *probe = io_uring_get_probe_ring(&ring);
  int has = probe && io_uring_opcode_supported(probe, IORING_OP_SEND_ZC);
  if (probe) io_uring_free_probe(probe);
  if (!has || !buffers || io_uring_register_buf_ring(&ring, &reg, 0)) return;
  for (unsigned b = 0; b < nbuffers; b++) give_back(b);
  multishot = 1;
}

static void post_recv(conn_t *c, uint32_t id) {
  struct io_uring_sqe *s = sqe();
  if (multishot) {
    io_uring_prep_recv_multishot(s, c->fd, NULL, 0, 0);
    s->flags |= IOSQE_BUFFER_SELECT;
    s->buf_group = BUFFER_GROUP;
  } else {
    io_uring_prep_recv(s, c->fd, c->buf, (size_t)area, 0);
  }
  io_uring_sqe_set_data64(s, ((uint64_t)id << 8) | RECV);
}

/* Gives up on a connection, counting it in `why` (errors or stalled). */
static void kill_conn(conn_t *c, uint64_t *why) {
  if (c->dead) return;
  c->dead = 1;
  ++*why;
  shutdown(c->fd, SHUT_RDWR); /* its pending receive completes; the fd is closed at exit */
}

/* Commit what the mode allows now, then start a send if none is in flight. */
static void pump_out(conn_t *c, uint32_t id, uint64_t t) {
  if (committing) {
    if (pingpong) {
      if (c->received == c->committed) {
        c->committed += (uint64_t)size;
        c->started_ns = t;
      }
    } else {
      uint64_t free_msgs = (window - (c->committed - c->received)) / (uint64_t)size;
      if (free_msgs * (uint64_t)size >= window / STREAM_COMMITS) c->committed += free_msgs * (uint64_t)size;
    }
  }
  if (c->sending || c->committed == c->sent) return;
  uint64_t n = c->committed - c->sent;
  if (n > AREA_BYTES) n = AREA_BYTES;
  if (c->sent == c->received) c->progress_ns = t;
  struct io_uring_sqe *s = sqe();
  io_uring_prep_send(s, c->fd, stream_at(id, c->sent), (size_t)n, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(s, ((uint64_t)id << 8) | SEND);
  c->sending = (uint32_t)n;
  c->sent += n;
}

static void on_recv(conn_t *c, uint32_t id, int res, unsigned flags, uint64_t t) {
  int more = multishot && (flags & IORING_CQE_F_MORE);
  if (res == -ENOBUFS && multishot) { /* the ring ran dry and ended the multishot: buffers are back by now */
    post_recv(c, id);
    return;
  }
  if (res <= 0) {
    kill_conn(c, &errors);
    return;
  }
  const uint8_t *got = c->buf;
  if (multishot) got = buffers + (size_t)(flags >> IORING_CQE_BUFFER_SHIFT) * area;
  uint64_t r = (uint64_t)res, expected = c->sent - c->received;
  if (r > expected) corrupted += r - expected; /* more came back than went out */
  uint64_t checked = r < expected ? r : expected;
  const uint8_t *want = stream_at(id, c->received);
  if (memcmp(got, want, (size_t)checked) != 0)
    for (uint64_t i = 0; i < checked; i++) corrupted += got[i] != want[i];
  if (multishot) give_back(flags >> IORING_CQE_BUFFER_SHIFT);
  uint64_t before = c->received;
  c->received += checked;
  c->progress_ns = t;
  uint64_t done = c->received / (uint64_t)size - before / (uint64_t)size;
  if (measuring) {
    msgs += done;
    bytes += checked;
    if (pingpong && done > 0) record_us((t - c->started_ns) / 1000);
  }
  if (!more) post_recv(c, id);
  pump_out(c, id, t);
}

static void on_send(conn_t *c, uint32_t id, int res, uint64_t t) {
  uint32_t asked = c->sending;
  c->sending = 0;
  if (res < 0) {
    kill_conn(c, &errors);
    return;
  }
  /* A short send: what did not go out goes again, from the same place in the stream. */
  c->sent -= asked - (uint32_t)res;
  if (!c->dead) pump_out(c, id, t);
}

int main(int argc, char **argv) {
  int port = 0, nconns = 50;
  double seconds = 5, warmup = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--conns")) nconns = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--size")) size = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--seconds")) seconds = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--warmup")) warmup = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--mode")) {
      if (!strcmp(argv[i + 1], "stream")) pingpong = 0;
      else if (strcmp(argv[i + 1], "pingpong")) port = -1;
    } else port = -1;
  }
  if (port <= 0 || nconns <= 0 || size <= 0 || size > MAX_SIZE || seconds <= 0 || warmup < 0) {
    fprintf(stderr, "usage: load-uring --port P [--conns N] [--size 1..16777216] [--seconds S] [--warmup S]"
                    " [--mode pingpong|stream]\n");
    return 2;
  }
  window = (uint64_t)size * 4 > STREAM_WINDOW_BYTES ? (uint64_t)size * 4 : STREAM_WINDOW_BYTES;
  /* Receive areas as `iocp-echo bench` sizes them: 64 KiB for a stream, one message (4 KiB at least) for ping-pong. */
  area = pingpong ? ((uint64_t)size + MIN_AREA_BYTES - 1) / MIN_AREA_BYTES * MIN_AREA_BYTES : AREA_BYTES;
  if (area > AREA_BYTES) area = AREA_BYTES;
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  build_pattern();

  /* Room in the completion queue for every connection's receive and send at once. */
  struct io_uring_params p = {.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
                                       IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL};
  p.cq_entries = (unsigned)(2 * nconns + 64 > 8192 ? 2 * nconns + 64 : 8192);
  if (io_uring_queue_init_params(4096, &ring, &p) != 0) {
    p.flags = IORING_SETUP_CQSIZE;
    if (io_uring_queue_init_params(4096, &ring, &p) != 0) {
      fprintf(stderr, "io_uring_queue_init failed\n");
      return 1;
    }
  }
  if (pingpong) set_up_multishot(nconns);
  conn_t *conns = calloc((size_t)nconns, sizeof(conn_t));
  uint8_t *bufs = malloc((size_t)nconns * area);
  for (int i = 0; i < nconns; i++) {
    int fd = connect_loopback(port);
    if (fd < 0) {
      fprintf(stderr, "connect %d: %s\n", i, strerror(errno));
      return 1;
    }
    conns[i].fd = fd;
    conns[i].buf = bufs + (size_t)i * area;
  }

  uint64_t start = now_ns() + (uint64_t)(warmup * 1e9), end = start + (uint64_t)(seconds * 1e9);
  uint64_t drain_end = end + DRAIN_NS, next_mark = start + 1000000000ull;
  for (int i = 0; i < nconns; i++) {
    post_recv(&conns[i], (uint32_t)i);
    pump_out(&conns[i], (uint32_t)i, now_ns());
  }
  double cpu_start = 0, cpu_measured = 0;
  uint64_t previous_turn = now_ns(), judge_from = 0, next_sweep = 0;
  struct __kernel_timespec tick = {.tv_sec = 0, .tv_nsec = 10000000};
  for (;;) {
    uint64_t t = now_ns();
    if (!measuring && committing && t >= start) {
      measuring = 1;
      cpu_start = cpu_seconds();
    }
    if (measuring && t >= next_mark && next_mark < end) {
      fputs("interval\n", stderr);
      next_mark += 1000000000ull;
    }
    if (committing && t >= end) {
      committing = measuring = 0;
      cpu_measured = cpu_seconds() - cpu_start;
      fputs("interval\n", stderr);
    }
    if (!committing) {
      int pending = 0;
      for (int i = 0; i < nconns && !pending; i++) pending = !conns[i].dead && conns[i].received < conns[i].sent;
      if (!pending || t >= drain_end) break;
    }
    struct io_uring_cqe *cqe;
    io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &tick, NULL);
    t = now_ns();
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      seen++;
      uint32_t id = (uint32_t)(cqe->user_data >> 8);
      conn_t *c = &conns[id];
      if ((cqe->user_data & 0xff) == SEND) on_send(c, id, cqe->res, t);
      else if (!c->dead) on_recv(c, id, cqe->res, cqe->flags, t);
      else if (multishot && (cqe->flags & IORING_CQE_F_BUFFER)) give_back(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
    }
    io_uring_cq_advance(&ring, seen);
    if (t - previous_turn >= PAUSE_NS) judge_from = t + GRACE_NS;
    previous_turn = t;
    if (t >= next_sweep && t >= judge_from) {
      next_sweep = t + SWEEP_NS;
      for (int i = 0; i < nconns; i++) {
        conn_t *c = &conns[i];
        if (!c->dead && c->sent > c->received && t - c->progress_ns >= STALL_NS) kill_conn(c, &stalled);
      }
    }
  }
  uint64_t lost = 0;
  for (int i = 0; i < nconns; i++) {
    if (!conns[i].dead) lost += conns[i].sent - conns[i].received;
    close(conns[i].fd);
  }
  printf("{\"msgs\":%llu,\"bytes\":%llu,\"seconds\":%.3f,\"errors\":%llu,\"stalled\":%llu,\"corrupted\":%llu,\"unreturned\":%llu,"
         "\"p50_us\":%.0f,\"p99_us\":%.0f,\"p999_us\":%.0f,\"cpu_seconds\":%.3f}\n",
         (unsigned long long)msgs, (unsigned long long)bytes, seconds, (unsigned long long)errors,
         (unsigned long long)stalled, (unsigned long long)corrupted, (unsigned long long)lost, percentile(0.5),
         percentile(0.99), percentile(0.999), cpu_measured);
  return 0;
}
