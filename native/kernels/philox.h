// Philox4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as
// easy as 1, 2, 3", SC 2011), the counter-based generator of the Random and
// Shuffle kernels. A block is a pure function of (counter, key), so element i
// can be drawn without drawing elements 0..i-1 and both backends agree bit
// for bit (docs/kernels.md).
//
//   PhiloxBlock b = philox4x32_10({i, r, t, 0}, {seed, seed2});
//   float u = philox_uniform(b.x[0]);   // in [0, 1)
#pragma once
#include <cstdint>
#include <cstring>

namespace sf {

struct PhiloxBlock {
  uint32_t x[4];
};

struct PhiloxKey {
  uint32_t k[2];
};

constexpr uint32_t PHILOX_M0 = 0xD2511F53u;
constexpr uint32_t PHILOX_M1 = 0xCD9E8D57u;
constexpr uint32_t PHILOX_W0 = 0x9E3779B9u;  // golden ratio
constexpr uint32_t PHILOX_W1 = 0xBB67AE85u;  // sqrt(3) - 1
constexpr int PHILOX_ROUNDS = 10;

inline PhiloxBlock philox_round(const PhiloxBlock& c, const PhiloxKey& key) {
  uint64_t p0 = static_cast<uint64_t>(PHILOX_M0) * c.x[0];
  uint64_t p1 = static_cast<uint64_t>(PHILOX_M1) * c.x[2];
  uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
  uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
  return PhiloxBlock{{hi1 ^ c.x[1] ^ key.k[0], lo1, hi0 ^ c.x[3] ^ key.k[1], lo0}};
}

inline PhiloxBlock philox4x32_10(PhiloxBlock counter, PhiloxKey key) {
  for (int round = 0; round < PHILOX_ROUNDS; ++round) {
    counter = philox_round(counter, key);
    key.k[0] += PHILOX_W0;  // uint32_t: wraps by definition
    key.k[1] += PHILOX_W1;
  }
  return counter;
}

// The 23 high bits as a float in [1, 2), minus 1: uniform in [0, 1), exact.
inline float philox_uniform(uint32_t bits) {
  uint32_t word = (bits >> 9) | 0x3F800000u;
  float one_to_two;
  std::memcpy(&one_to_two, &word, sizeof(one_to_two));
  return one_to_two - 1.0f;
}

// The high word of x * range: an unbiased-enough index in [0, range).
inline uint32_t philox_scale(uint32_t x, uint32_t range) {
  return static_cast<uint32_t>((static_cast<uint64_t>(x) * range) >> 32);
}

}  // namespace sf
