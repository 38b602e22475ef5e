/*
 * What every load client measures a round trip with: the monotonic clock in
 * nanoseconds and a histogram of whole microseconds up to 2 s (10,000
 * ping-pong connections take about 0.5 s a round), read out as percentiles.
 */
#ifndef BENCH_LATENCY_H
#define BENCH_LATENCY_H
#include <stdint.h>
#include <time.h>

#define HIST_US 2000000

static uint32_t hist[HIST_US + 1];
static uint64_t samples;

static inline uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One round trip of `us` microseconds; longer ones count as HIST_US. */
static inline void record_us(uint64_t us) {
  hist[us > HIST_US ? HIST_US : us]++;
  samples++;
}

/* The p-th percentile in microseconds (0 < p < 1); 0 with no samples. */
static inline double percentile(double p) {
  if (samples == 0) return 0;
  uint64_t target = (uint64_t)(p * (double)samples), seen = 0;
  for (int i = 0; i <= HIST_US; i++) {
    seen += hist[i];
    if (seen > target) return i;
  }
  return HIST_US;
}
#endif
