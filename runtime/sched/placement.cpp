#include "runtime/sched/placement.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>

#include "runtime/element/element.hpp"
#include "runtime/sched/scheduler.hpp"

namespace pb {

std::vector<int> reached_elements(const Element& owner) {
  // A visit is (element, port, direction): pushed into input `port`, or pulled from output
  // `port`. Flow codes decide which ports of the element the packets continue through.
  using Visit = std::tuple<const Element*, int, bool>;
  std::set<Visit> seen;
  std::set<int> reached{owner.index()};
  std::vector<Visit> stack;
  for (int q = 0; q < owner.noutputs(); ++q)
    if (owner.output(q).is_push() && owner.output(q).peer())
      stack.emplace_back(owner.output(q).peer(), owner.output(q).peer_port(), true);
  for (int p = 0; p < owner.ninputs(); ++p)
    if (owner.input(p).is_pull() && owner.input(p).peer())
      stack.emplace_back(owner.input(p).peer(), owner.input(p).peer_port(), false);
  while (!stack.empty()) {
    Visit v = stack.back();
    stack.pop_back();
    if (!seen.insert(v).second) continue;
    auto [e, port, pushing] = v;
    reached.insert(e->index());
    if (pushing) {
      for (int q = 0; q < e->noutputs(); ++q) {
        const Output& o = e->output(q);
        if (o.is_push() && o.peer() && flows(e->spec().flow, port, q))
          stack.emplace_back(o.peer(), o.peer_port(), true);
      }
    } else {
      for (int p = 0; p < e->ninputs(); ++p) {
        const Input& in = e->input(p);
        if (in.is_pull() && in.peer() && flows(e->spec().flow, p, port))
          stack.emplace_back(in.peer(), in.peer_port(), false);
      }
    }
  }
  return {reached.begin(), reached.end()};
}

namespace {

int find_root(std::vector<int>& parent, int i) {
  while (parent[static_cast<std::size_t>(i)] != i) {
    auto& p = parent[static_cast<std::size_t>(i)];
    p = parent[static_cast<std::size_t>(p)];
    i = p;
  }
  return i;
}

std::string thread_list(const std::vector<int>& threads) {
  std::string s;
  for (std::size_t i = 0; i < threads.size(); ++i) {
    if (i) s += i + 1 == threads.size() ? " and " : ", ";
    s += std::to_string(threads[i]);
  }
  return s;
}

}  // namespace

bool place_and_check(Scheduler& sched, const std::vector<std::unique_ptr<Element>>& elements,
                     Diagnostics& diags) {
  PlacementPlan plan = plan_placement(sched, elements, diags);
  sched.place(plan.threads);
  return plan.ok;
}

PlacementPlan plan_placement(const Scheduler& sched,
                             const std::vector<std::unique_ptr<Element>>& elements,
                             Diagnostics& diags) {
  const int nthreads = std::max(sched.threads(), 1);
  std::set<const Element*> mine;
  for (const auto& e : elements) mine.insert(e.get());

  // Elements with work, in configuration order, with a thread preference from their work.
  std::map<int, const Element*> by_index;
  std::unordered_map<const Element*, int> home;
  for (const WorkItem& w : sched.work_items()) {
    if (!w.owner || !mine.count(w.owner)) continue;
    by_index.emplace(w.owner->index(), w.owner);
    if (w.home_thread >= 0 && !home.count(w.owner)) home[w.owner] = w.home_thread % nthreads;
  }
  std::vector<const Element*> owners;
  for (auto& [i, e] : by_index) owners.push_back(e);
  const std::size_t n = owners.size();

  std::vector<std::vector<int>> reach(n);
  for (std::size_t i = 0; i < n; ++i) reach[i] = reached_elements(*owners[i]);
  // reached_by[element index] = owner slots whose work reaches it.
  std::vector<std::vector<int>> reached_by(elements.size());
  for (std::size_t i = 0; i < n; ++i)
    for (int x : reach[i]) reached_by[static_cast<std::size_t>(x)].push_back(static_cast<int>(i));

  // Group work that meets at a non-thread-safe element.
  std::vector<int> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  for (std::size_t x = 0; x < elements.size(); ++x) {
    if (elements[x]->spec().thread_safe || reached_by[x].size() < 2) continue;
    int a = find_root(parent, reached_by[x][0]);
    for (int o : reached_by[x]) parent[static_cast<std::size_t>(find_root(parent, o))] = a;
  }
  std::map<int, std::vector<int>> groups;  // keyed by the group's first owner (config order)
  std::vector<int> group_of(n);
  for (std::size_t i = 0; i < n; ++i) group_of[i] = find_root(parent, static_cast<int>(i));
  std::map<int, int> first_of_group;
  for (std::size_t i = 0; i < n; ++i) first_of_group.emplace(group_of[i], static_cast<int>(i));
  for (std::size_t i = 0; i < n; ++i)
    groups[first_of_group[group_of[i]]].push_back(static_cast<int>(i));

  auto preference = [&](const Element* e) {
    int p = sched.pinned_thread(*e);
    if (p >= 0) return p;
    auto it = home.find(e);
    return it == home.end() ? -1 : it->second;
  };
  std::vector<int> thread(n, -1);
  std::vector<int> load(static_cast<std::size_t>(nthreads), 0);
  // Pinned groups first, so the balanced ones fill in around them.
  for (auto& [first, members] : groups) {
    int group_pin = -1;
    for (int o : members)
      if (int p = preference(owners[static_cast<std::size_t>(o)]); p >= 0 && group_pin < 0)
        group_pin = p;
    if (group_pin < 0) continue;
    for (int o : members) {
      int p = preference(owners[static_cast<std::size_t>(o)]);
      thread[static_cast<std::size_t>(o)] = p >= 0 ? p : group_pin;
      ++load[static_cast<std::size_t>(thread[static_cast<std::size_t>(o)])];
    }
  }
  for (auto& [first, members] : groups) {
    if (thread[static_cast<std::size_t>(members[0])] >= 0) continue;
    int t = static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
    for (int o : members) thread[static_cast<std::size_t>(o)] = t;
    load[static_cast<std::size_t>(t)] += static_cast<int>(members.size());
  }
  std::unordered_map<const Element*, int> placement;
  for (std::size_t i = 0; i < n; ++i) placement[owners[i]] = thread[i];
  // An element without work of its own that only one thread reaches lives on that thread too,
  // so its handlers can run there (Script, the control socket).
  for (std::size_t x = 0; x < elements.size(); ++x) {
    const Element* e = elements[x].get();
    if (placement.count(e) || reached_by[x].empty()) continue;
    int t = thread[static_cast<std::size_t>(reached_by[x][0])];
    bool single = true;
    for (int o : reached_by[x]) single = single && thread[static_cast<std::size_t>(o)] == t;
    if (single) placement[e] = t;
  }

  // The check: a non-thread-safe element must see one thread.
  bool ok = true;
  for (std::size_t x = 0; x < elements.size(); ++x) {
    const Element& e = *elements[x];
    if (e.spec().thread_safe || reached_by[x].size() < 2) continue;
    std::map<int, std::vector<int>> by_thread;  // thread -> owner slots (config order)
    for (int o : reached_by[x]) by_thread[thread[static_cast<std::size_t>(o)]].push_back(o);
    if (by_thread.size() < 2) continue;
    std::vector<int> threads;
    std::string names;
    for (auto& [t, os] : by_thread) {
      threads.push_back(t);
      for (int o : os) {
        if (!names.empty()) names += ", ";
        names += '\'';
        names += owners[static_cast<std::size_t>(o)]->name();
        names += '\'';
      }
    }
    std::string msg = "'";
    msg += e.declaration();
    msg += "' is not thread-safe but is reached from threads ";
    msg += thread_list(threads);
    msg += " (tasks of ";
    msg += names;
    msg += ")";
    diags.error(e.loc(), std::move(msg));
    ok = false;
  }
  return {std::move(placement), ok};
}

}  // namespace pb
