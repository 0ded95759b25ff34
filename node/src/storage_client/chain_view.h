// Storage facts read from the chain, in the shapes the storage library uses: the layout of a
// profile, a file's manifest and the locations of its fragments.
#pragma once

#include <vector>

#include "cess/chain/profile.h"
#include "cess/chain/runtime/file_bank.h"
#include "cess/chain/state/write_set.h"
#include "cess/core/result.h"
#include "cess/storage/layout.h"
#include "cess/storage/manifest.h"
#include "cess/storage/retrieval.h"

namespace cess::node {

// The storage layout of `profile`.
storage::Layout LayoutOf(const chain::Profile& profile);

// The manifest of a file as the chain records it (layout from `profile`; encrypted when the file
// carries cipher info). Errors: Corruption when the record does not make a valid manifest.
Result<storage::FileManifest> ManifestOf(const chain::Profile& profile, const Hash256& fid,
                                         const chain::runtime::file_bank::FileInfo& file);

// Per segment, the locations of its available fragments (miner endpoints from sminer). Lost
// positions and positions of unknown miners are left out. Errors: those of the reader.
Result<std::vector<std::vector<storage::FragmentLocation>>> LocationsOf(
    const chain::state::StateReader& reader, const chain::runtime::file_bank::FileInfo& file);

}  // namespace cess::node
