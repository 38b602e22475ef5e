/*
 * Load client for the echo benchmarks: one thread, epoll, N connections to
 * 127.0.0.1:PORT.
 *   pingpong: each connection keeps one SIZE-byte message in flight and
 *             records its round trip;
 *   stream:   each connection keeps at most WINDOW = max(256 KiB, 4 * SIZE)
 *             bytes sent but not yet echoed, committing whole messages once
 *             at least WINDOW / 8 of the window (and one message) is free,
 *             and reads the echo back: the window of `iocp-echo bench` and
 *             of load-uring.c;
 *   idle:     each connection sends one SIZE-byte message, reads its echo,
 *             then stays silent for SECONDS; a file named by --ready is
 *             created once all are connected and echoed (the runner samples
 *             the server's memory then), and at the end every connection
 *             must still echo a second message.
 *   --udp:    datagrams instead of connections, WINDOW in flight per socket
 *             (load-udp.h); lost datagrams are counted as "unreturned".
 * Every byte sent is a function of (connection, offset) and every byte echoed
 * is checked against it, so lost, reordered or corrupted bytes are counted.
 * Prints one JSON line.
 *
 * `bun run bench` drives TCP ping-pong and stream with load-uring.c, which
 * costs the client less per message (one io_uring_enter per batch, sends
 * from a precomputed pattern, one memcmp per echo) and so leaves the server
 * as the limit; this client keeps the idle and UDP scenarios and the tests
 * that want a load without liburing.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "latency.h"
#include "listen.h"

/* Unechoed bytes a stream connection may have in flight: this, or four
   messages when that is more. */
#define WINDOW (256 * 1024)
#define WINDOW_COMMITS 8
#define MAX_SIZE (16 * 1024 * 1024)
#define READ_BYTES 65536

typedef struct {
  int fd;
  int dead;
  uint64_t committed;      /* stream: bytes the window has allowed out so far */
  uint64_t sent, received; /* stream offsets */
  uint64_t started_ns;     /* pingpong: when the message in flight went out */
} conn_t;

static inline uint8_t pattern(uint32_t c, uint64_t k) { return (uint8_t)(c * 131u + k * 7u + (k >> 9)); }

static int size = 64, pingpong = 1, idle = 0, ep;
static uint64_t errors, corrupted, msgs, bytes;
static uint8_t inbuf[READ_BYTES], outbuf[READ_BYTES];

static void kill_conn(conn_t *c) {
  if (c->dead) return;
  c->dead = 1;
  errors++;
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
}

/* Write what this connection may write now; 1 if it wants EPOLLOUT. */
static int pump_out(conn_t *c, uint32_t id, int sending) {
  for (;;) {
    uint64_t limit;
    int mid_message = c->sent % (uint64_t)size != 0;
    if (pingpong) {
      /* One message in flight: the next starts when the last came back,
         but a message already begun is always finished. */
      if (!mid_message && (c->sent > c->received || !sending)) return 0;
      limit = c->sent + (uint64_t)size - c->sent % (uint64_t)size;
      if (!mid_message) c->started_ns = now_ns();
    } else {
      uint64_t window = 4 * (uint64_t)size > WINDOW ? 4 * (uint64_t)size : WINDOW;
      uint64_t free_msgs = (window - (c->committed - c->received)) / (uint64_t)size;
      if (sending && free_msgs * (uint64_t)size >= window / WINDOW_COMMITS) c->committed += free_msgs * (uint64_t)size;
      if (c->sent >= c->committed) return 0;
      limit = c->committed;
    }
    size_t n = (size_t)(limit - c->sent);
    if (n > READ_BYTES) n = READ_BYTES;
    for (size_t i = 0; i < n; i++) outbuf[i] = pattern(id, c->sent + i);
    ssize_t w = send(c->fd, outbuf, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EAGAIN) return 1;
      kill_conn(c);
      return 0;
    }
    c->sent += (uint64_t)w;
    if ((size_t)w < n) return 1;
    if (pingpong && c->sent % (uint64_t)size == 0) return 0;
  }
}

static void pump_in(conn_t *c, uint32_t id) {
  for (;;) {
    ssize_t r = recv(c->fd, inbuf, READ_BYTES, 0);
    if (r < 0 && errno == EAGAIN) return;
    if (r <= 0) {
      kill_conn(c);
      return;
    }
    for (ssize_t i = 0; i < r; i++) corrupted += inbuf[i] != pattern(id, c->received + (uint64_t)i);
    uint64_t before = c->received;
    c->received += (uint64_t)r;
    bytes += (uint64_t)r;
    if (c->received > c->sent) corrupted++; /* more came back than went out */
    uint64_t done = c->received / (uint64_t)size - before / (uint64_t)size;
    msgs += done;
    if (pingpong && done > 0) {
      record_us((now_ns() - c->started_ns) / 1000);
    }
  }
}

static const char *ready_file;

#include "load-udp.h"

/* One ping-pong round on every live connection, however long it takes (up to 30 s). */
static void round_trip_all(conn_t *conns, int nconns) {
  struct epoll_event events[256];
  for (int i = 0; i < nconns; i++) pump_out(&conns[i], (uint32_t)i, 1);
  uint64_t deadline = now_ns() + 30000000000ull;
  for (;;) {
    int pending = 0;
    for (int i = 0; i < nconns; i++) pending += !conns[i].dead && conns[i].received < conns[i].sent;
    if (pending == 0 || now_ns() > deadline) return;
    int n = epoll_wait(ep, events, 256, 10);
    for (int k = 0; k < n; k++) {
      conn_t *c = &conns[events[k].data.u32];
      if (!c->dead) pump_in(c, events[k].data.u32);
    }
  }
}

static int run_idle(conn_t *conns, int nconns, double seconds) {
  round_trip_all(conns, nconns);
  if (ready_file) fclose(fopen(ready_file, "w"));
  uint64_t until = now_ns() + (uint64_t)(seconds * 1e9);
  while (now_ns() < until) usleep(10000);
  round_trip_all(conns, nconns);
  uint64_t alive = 0, lost = 0;
  for (int i = 0; i < nconns; i++) {
    if (!conns[i].dead) alive++;
    lost += conns[i].sent - conns[i].received;
  }
  printf("{\"conns\":%d,\"alive\":%llu,\"msgs\":%llu,\"errors\":%llu,\"corrupted\":%llu,\"unreturned\":%llu}\n", nconns,
         (unsigned long long)alive, (unsigned long long)msgs, (unsigned long long)errors, (unsigned long long)corrupted,
         (unsigned long long)lost);
  return 0;
}

int main(int argc, char **argv) {
  int port = 0, nconns = 50, udp = 0, window = 1;
  double seconds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--conns")) nconns = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--size")) size = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--seconds")) seconds = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--udp")) udp = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--window")) window = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--mode")) {
      pingpong = !strcmp(argv[i + 1], "pingpong") || !strcmp(argv[i + 1], "idle");
      idle = !strcmp(argv[i + 1], "idle");
    } else if (!strcmp(argv[i], "--ready")) ready_file = argv[i + 1];
  }
  if (port <= 0 || nconns <= 0 || size <= 0 || size > MAX_SIZE) {
    fprintf(stderr, "usage: load --port P [--conns N] [--size 1..16777216] [--seconds S] [--mode pingpong|stream]"
                    " [--udp 1 --window 1..64]\n");
    return 2;
  }
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);

  ep = epoll_create1(0);
  if (udp) return run_udp(port, nconns, window, seconds);
  conn_t *conns = calloc((size_t)nconns, sizeof(conn_t));
  for (int i = 0; i < nconns; i++) {
    int fd = connect_loopback(port);
    if (fd < 0) {
      fprintf(stderr, "connect %d: %s\n", i, strerror(errno));
      return 1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    conns[i].fd = fd;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.u32 = (uint32_t)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }

  if (idle) return run_idle(conns, nconns, seconds);

  struct epoll_event events[256];
  uint64_t start = now_ns(), end = start + (uint64_t)(seconds * 1e9);
  int sending = 1;
  /* After the measured time: stop sending, let in-flight echoes come back
     (5 s at most: under Wine a 1000-connection run has echoes in flight
     for over a second, which a 1 s window counted as lost). */
  uint64_t drain_end = end + 5000000000ull;
  for (;;) {
    uint64_t t = now_ns();
    if (sending && t >= end) sending = 0;
    if (!sending) {
      int pending = 0;
      for (int i = 0; i < nconns; i++) pending += !conns[i].dead && conns[i].received < conns[i].sent;
      if (pending == 0 || t >= drain_end) break;
    }
    int n = epoll_wait(ep, events, 256, 10);
    for (int k = 0; k < n; k++) {
      uint32_t id = events[k].data.u32;
      conn_t *c = &conns[id];
      if (c->dead) continue;
      if (events[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) pump_in(c, id);
      if (!c->dead) pump_out(c, id, sending);
    }
  }
  uint64_t lost = 0;
  for (int i = 0; i < nconns; i++) {
    if (!conns[i].dead) lost += conns[i].sent - conns[i].received;
    close(conns[i].fd);
  }
  double elapsed = (double)(end - start) / 1e9;
  printf("{\"msgs\":%llu,\"bytes\":%llu,\"seconds\":%.3f,\"errors\":%llu,\"corrupted\":%llu,\"unreturned\":%llu,"
         "\"p50_us\":%.0f,\"p99_us\":%.0f,\"p999_us\":%.0f}\n",
         (unsigned long long)msgs, (unsigned long long)bytes, elapsed, (unsigned long long)errors,
         (unsigned long long)corrupted, (unsigned long long)lost, percentile(0.5),
         percentile(0.99), percentile(0.999));
  return 0;
}
