// A 128-bit unsigned integer for overflow-free integer maths in the runtime (sums of balances,
// products before a division). Not a public interface.
#pragma once

namespace cess::chain::runtime {

__extension__ typedef unsigned __int128 U128;  // NOLINT(modernize-use-using): __extension__ needs typedef

}  // namespace cess::chain::runtime
