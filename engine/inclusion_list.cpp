#include "engine/inclusion_list.h"

#include "engine/keys.h"

namespace crmsim::engine {

Pause InclusionList::start() {
  if (!c_.config.contacts.inclusion_list.empty()) {
    auto id = c_.hubspot.list_id(c_.config.contacts.inclusion_list);
    if (!id) return c_.hubspot_failed(id.error());
    id_ = *id;
    if (!id_)
      c_.last_problem = "the inclusion list '" + c_.config.contacts.inclusion_list +
                        "' does not exist: no contact syncs to Salesforce";
  }
  members_ = c_.store.list_members();
  return Pause::kNone;
}

void InclusionList::forget() {
  c_.store.begin();
  for (uint64_t id : c_.store.list_members()) c_.store.remove_list_member(id);
  c_.store.put_meta(kInclusionListMeta, "");
  c_.store.commit();
  members_.clear();
}

bool InclusionList::eligible(uint64_t hs_id) const {
  if (c_.config.contacts.inclusion_list.empty()) return true;
  return members_.count(hs_id) > 0;
}

Pause InclusionList::refresh() {
  if (c_.config.contacts.inclusion_list.empty()) return Pause::kNone;
  if (!id_) {
    auto id = c_.hubspot.list_id(c_.config.contacts.inclusion_list);
    if (!id) return c_.hubspot_failed(id.error());
    id_ = *id;
  }
  std::set<uint64_t> members;
  if (id_) {
    std::string after;
    for (int pages = 0; pages < SyncContext::kPagesPerStepMax; ++pages) {
      auto page = c_.hubspot.list_members(*id_, after);
      if (!page) {
        if (page.error().status == 404) {
          id_.reset();  // deleted: looked up again next time
          break;
        }
        return c_.hubspot_failed(page.error());
      }
      members.insert(page->first.begin(), page->first.end());
      if (page->second.empty()) break;
      after = page->second;
    }
  }
  const env::Timestamp now = c_.clock.now();
  // The list the membership was last read from. Another one means an admin
  // switched the inclusion list: as the connector documents, selecting a
  // list does not sync it, so its members as they stand are taken in
  // without a sync; only those who join from now on sync at once. (The
  // first list of a new store is read as joined: the initial sync.)
  const std::string list_key = id_ ? std::to_string(*id_) : "";
  const auto last_list = c_.store.meta(kInclusionListMeta);
  const bool switched = last_list && !last_list->empty() && *last_list != list_key;
  c_.store.begin();
  if (!last_list || *last_list != list_key) c_.store.put_meta(kInclusionListMeta, list_key);
  for (uint64_t id : members)
    if (switched && !members_.count(id)) {
      c_.store.add_list_member(id);
    } else if (!members_.count(id)) {
      c_.store.add_list_member(id);
      // Joining the inclusion list triggers a sync at once. A linked contact
      // syncs whether or not it changed (Salesforce's changes waited while
      // it was outside); an unlinked one is created, unless a sweep has
      // synced it by then.
      (void)c_.store.inbox_add(id, c_.store.link_by_hubspot(id) ? "list_join" : "list_join_unlinked",
                              now);
    }
  for (uint64_t id : members_)
    if (!members.count(id)) c_.store.remove_list_member(id);
  c_.store.commit();
  members_ = std::move(members);
  return Pause::kNone;
}

Pause InclusionList::check_new_members(const std::vector<uint64_t>& ids,
                                                std::set<uint64_t>& joined) {
  if (c_.config.contacts.inclusion_list.empty()) return Pause::kNone;
  std::vector<uint64_t> unknown;
  for (uint64_t id : ids)
    if (!members_.count(id)) unknown.push_back(id);
  if (unknown.empty()) return Pause::kNone;
  // Reading these contacts' memberships costs a call per 100 of them;
  // reading the whole list, a call per 250 members (and catches leavers):
  // whichever is fewer.
  const size_t batch_calls =
      (unknown.size() + HubSpotClient::kBatchInputsMax - 1) / HubSpotClient::kBatchInputsMax;
  const size_t list_calls =
      members_.size() / static_cast<size_t>(HubSpotClient::kMembershipPageMax) + 1;
  if (!id_ || batch_calls >= list_calls) {
    const auto before = members_;
    if (auto p = refresh(); p != Pause::kNone) return p;
    for (uint64_t id : unknown)
      if (members_.count(id) && !before.count(id)) joined.insert(id);
    return Pause::kNone;
  }
  for (size_t at = 0; at < unknown.size(); at += HubSpotClient::kBatchInputsMax) {
    const std::vector<uint64_t> chunk(
        unknown.begin() + static_cast<std::ptrdiff_t>(at),
        unknown.begin() + static_cast<std::ptrdiff_t>(
                              std::min(unknown.size(), at + HubSpotClient::kBatchInputsMax)));
    auto members = c_.hubspot.members_among(*id_, chunk);
    if (!members) return c_.hubspot_failed(members.error());
    if (members->empty()) continue;
    c_.store.begin();
    for (uint64_t id : *members) {
      c_.store.add_list_member(id);
      members_.insert(id);
      joined.insert(id);
    }
    c_.store.commit();
  }
  return Pause::kNone;
}

}  // namespace crmsim::engine
