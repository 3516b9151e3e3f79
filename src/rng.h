/*
** rng.h: the counter-based random numbers of the uncertainty and sensitivity analyses
** (robust.c, sobol.c). A number is a pure function of (seed, row, dim): no state, so any
** thread can compute any draw, and results do not depend on how draws are shared among
** threads. The mix is SplitMix64's finaliser (Steele, Lea and Flood, "Fast splittable
** pseudorandom number generators", OOPSLA 2014), applied in a chain:
**
**   h = mix(mix(mix(seed) ^ row) ^ dim),   u = (h >> 11) * 2^-53  in [0, 1)
**
** where mix(z) = z += 0x9e3779b97f4a7c15; z = (z ^ z>>30) * 0xbf58476d1ce4e5b9;
** z = (z ^ z>>27) * 0x94d049bb133111eb; z ^ z>>31 (all modulo 2^64). bench/robust/
** robust_numpy.py computes the same numbers with numpy's uint64 arithmetic.
*/
#ifndef KP_RNG_H
#define KP_RNG_H
#include <stdint.h>

static inline uint64_t rng_mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* The part of the chain shared by every dim of a row: mix(mix(seed) ^ row). A loop over
** the dims of a draw computes it once (rng_uniform_row) instead of once per number. */
static inline uint64_t rng_row(uint64_t seed, uint64_t row) {
  return rng_mix(rng_mix(seed) ^ row);
}

/* The uniform number of dim from its row's rng_row(seed, row): the same bits as rng_uniform. */
static inline double rng_uniform_row(uint64_t hRow, uint64_t dim) {
  return (double)(rng_mix(hRow ^ dim) >> 11) * 0x1.0p-53;
}

/* The uniform number in [0, 1) of (seed, row, dim): 53 random bits. */
static inline double rng_uniform(uint64_t seed, uint64_t row, uint64_t dim) {
  return rng_uniform_row(rng_row(seed, row), dim);
}

#endif
