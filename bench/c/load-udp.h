/*
 * UDP mode of the load client (--udp): each of CONNS sockets is connect()ed
 * to 127.0.0.1:PORT (so it hears only the server) and keeps WINDOW
 * datagrams of SIZE bytes in flight. A datagram is its 8-byte sequence
 * number followed by pattern(socket, sequence + offset), so a reply that is
 * cut, changed or meant for another socket is counted as corrupted. A socket
 * that hears nothing for LOSS_MS counts what it has in flight as lost and
 * sends a fresh window; a reply that still arrives later is taken off the
 * lost count again. Included by load.c, which owns the histogram and totals.
 */
#ifndef BENCH_LOAD_UDP_H
#define BENCH_LOAD_UDP_H
#define LOSS_MS 200
#define WINDOW_MAX 64

typedef struct {
  int fd;
  uint64_t next_seq;  /* sequence of the next datagram to send */
  uint64_t lost_below; /* datagrams before this one were counted lost if unanswered */
  uint32_t inflight;
  uint64_t last_ns; /* last send or receive */
  uint64_t sent_ns[WINDOW_MAX];
} usock_t;

static uint64_t lost_datagrams;

static int udp_send_one(usock_t *s, uint32_t id) {
  uint64_t seq = s->next_seq;
  memcpy(outbuf, &seq, 8);
  for (int i = 8; i < size; i++) outbuf[i] = pattern(id, seq + (uint64_t)i);
  if (send(s->fd, outbuf, (size_t)size, 0) != size) return errno == EAGAIN || errno == ENOBUFS ? 0 : -1;
  s->sent_ns[seq % WINDOW_MAX] = s->last_ns = now_ns();
  s->next_seq++;
  s->inflight++;
  return 1;
}

static void udp_fill(usock_t *s, uint32_t id, int window) {
  while (s->inflight < (uint32_t)window) {
    int r = udp_send_one(s, id);
    if (r < 0) errors++;
    if (r <= 0) return;
  }
}

static void udp_drain(usock_t *s, uint32_t id, int window, int sending) {
  for (;;) {
    ssize_t r = recv(s->fd, inbuf, READ_BYTES, 0);
    if (r < 0) {
      if (errno != EAGAIN) errors++; /* ECONNREFUSED: an ICMP from a server that is gone */
      break;
    }
    uint64_t seq;
    if (r != size || (memcpy(&seq, inbuf, 8), seq >= s->next_seq)) {
      corrupted++;
      continue;
    }
    for (ssize_t i = 8; i < r; i++) corrupted += inbuf[i] != pattern(id, seq + (uint64_t)i);
    msgs++;
    bytes += (uint64_t)r;
    s->last_ns = now_ns();
    if (seq < s->lost_below) {
      lost_datagrams--; /* late, not lost */
      continue;
    }
    s->inflight--;
    record_us((s->last_ns - s->sent_ns[seq % WINDOW_MAX]) / 1000);
  }
  if (sending) udp_fill(s, id, window);
}

/* In-flight datagrams of a socket silent for LOSS_MS are lost; start a fresh window. */
static void udp_expire(usock_t *s, uint32_t id, int window, int sending, uint64_t t) {
  if (s->inflight == 0 || t - s->last_ns < LOSS_MS * 1000000ull) return;
  lost_datagrams += s->inflight;
  s->inflight = 0;
  s->lost_below = s->next_seq;
  s->last_ns = t;
  if (sending) udp_fill(s, id, window);
}

static int run_udp(int port, int nconns, int window, double seconds) {
  if (size < 8 || size > READ_BYTES || window < 1 || window > WINDOW_MAX) {
    fprintf(stderr, "--udp needs --size 8..%d and --window 1..%d\n", READ_BYTES, WINDOW_MAX);
    return 2;
  }
  usock_t *socks = calloc((size_t)nconns, sizeof(usock_t));
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < nconns; i++) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), bufsize = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof bufsize);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
      fprintf(stderr, "udp socket %d: %s\n", i, strerror(errno));
      return 1;
    }
    socks[i].fd = fd;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  struct epoll_event events[256];
  uint64_t start = now_ns(), end = start + (uint64_t)(seconds * 1e9), drain_end = end + 1000000000ull;
  for (int i = 0; i < nconns; i++) udp_fill(&socks[i], (uint32_t)i, window);
  uint64_t next_expiry = start;
  for (;;) {
    uint64_t t = now_ns();
    int sending = t < end;
    if (!sending) {
      uint64_t pending = 0;
      for (int i = 0; i < nconns; i++) pending += socks[i].inflight;
      if (pending == 0 || t >= drain_end) {
        lost_datagrams += pending;
        break;
      }
    }
    int n = epoll_wait(ep, events, 256, 10);
    for (int k = 0; k < n; k++) udp_drain(&socks[events[k].data.u32], events[k].data.u32, window, sending);
    if (t >= next_expiry) {
      for (int i = 0; i < nconns; i++) udp_expire(&socks[i], (uint32_t)i, window, sending, t);
      next_expiry = t + 10000000ull;
    }
  }
  for (int i = 0; i < nconns; i++) close(socks[i].fd);
  double elapsed = (double)(end - start) / 1e9;
  printf("{\"msgs\":%llu,\"bytes\":%llu,\"seconds\":%.3f,\"errors\":%llu,\"corrupted\":%llu,\"unreturned\":%llu,"
         "\"p50_us\":%.0f,\"p99_us\":%.0f,\"p999_us\":%.0f}\n",
         (unsigned long long)msgs, (unsigned long long)bytes, elapsed, (unsigned long long)errors,
         (unsigned long long)corrupted, (unsigned long long)lost_datagrams, percentile(0.5),
         percentile(0.99), percentile(0.999));
  return 0;
}
#endif
