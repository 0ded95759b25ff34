// AuthoritySet (application.h): the voter set and index lookups.
#include "cess/chain/application.h"

namespace cess::chain {

VoterSet AuthoritySet::ToVoterSet() const {
  VoterSet v;
  v.set_id = era;
  v.voters.reserve(authorities.size());
  for (const Authority& a : authorities) v.voters.push_back(a.account);
  return v;
}

int AuthoritySet::IndexOf(const AccountId& account) const {
  for (size_t i = 0; i < authorities.size(); ++i) {
    if (authorities[i].account == account) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace cess::chain
