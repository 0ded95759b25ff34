// The inside of podr2::SecretKey: the RSA factors and the CRT values derived from them, with one
// Montgomery context per modulus. Shared by the key and tag code of cess_proofs; not public.
#pragma once

#include "bn_util.h"
#include "cess/storage/proofs/podr2.h"

namespace cess::proofs::podr2 {

struct SecretKey::Impl {
  PublicKey pk;
  internal::BnPtr n;        // p·q
  internal::BnPtr u;        // public u, 1 < u < N, gcd(u, N) = 1
  internal::SecretBnPtr p;  // the factors (BN_FLG_CONSTTIME set on every secret value)
  internal::SecretBnPtr q;
  internal::SecretBnPtr d;     // e⁻¹ mod φ(N)
  internal::SecretBnPtr p1;    // p − 1
  internal::SecretBnPtr q1;    // q − 1
  internal::SecretBnPtr dp;    // d mod (p − 1)
  internal::SecretBnPtr dq;    // d mod (q − 1)
  internal::SecretBnPtr qinv;  // q⁻¹ mod p
  internal::SecretBnPtr u_p;   // u mod p
  internal::SecretBnPtr u_q;   // u mod q
  internal::MontPtr mont_n;
  internal::MontPtr mont_p;
  internal::MontPtr mont_q;
};

}  // namespace cess::proofs::podr2
