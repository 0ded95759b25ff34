// All of core's cryptography (namespace cess::crypto) in one include. Each part has its own header:
//   hash.h     SHA-256, SHA-512, HMAC-SHA256, incremental Sha256Hasher
//   random.h   Rng interface, SystemRng (RAND_bytes), DeterministicRng for tests
//   ed25519.h  Ed25519 keys, signing and verification
//   aead.h     AES-256-GCM seal/open
//   x25519.h   X25519 key agreement
//   hkdf.h     HKDF-SHA256
//   ecvrf.h    ECVRF-P256-SHA256-TAI (RFC 9381)
#pragma once

#include "cess/core/aead.h"
#include "cess/core/ecvrf.h"
#include "cess/core/ed25519.h"
#include "cess/core/hash.h"
#include "cess/core/hkdf.h"
#include "cess/core/random.h"
#include "cess/core/x25519.h"
