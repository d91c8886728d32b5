#include "elements/zerocopy/zero_copy_ring.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

namespace pb::elements {

struct ZeroCopyRing::Shared {
  std::unique_ptr<zc::Producer> ring;
  // Free units as the producer may count on them: raised only after a unit's FREE store, so it
  // never exceeds the real number and push() can drop at once when it reads 0.
  std::atomic<std::uint32_t> free{0};
  // One reference for the element plus one per unit lent out as a packet.
  std::atomic<std::uint32_t> refs{1};
};

namespace {

using Shared = ZeroCopyRing::Shared;

void unref(Shared* s) {
  if (s->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete s;
}

// A transmitted packet's buffer is released: its unit goes back to FREE. The RELEASE store
// orders every read of the packet (on whatever thread freed it) before the producer's next
// fill of the unit, which observes FREE with an acquire load.
void release_unit(void* ctx, std::uint8_t*, std::uint64_t index) {
  auto* s = static_cast<Shared*>(ctx);
  zc::state_ref(s->ring->unit(static_cast<std::uint32_t>(index)))
      .store(ZC_FREE, std::memory_order_release);
  s->free.fetch_add(1, std::memory_order_release);
  unref(s);
}

// UNITS: a count or AUTO (0).
struct UnitsArg {
  Result<std::uint32_t> parse(std::string_view s) const {
    if (s.size() == 4 && (s[0] | 0x20) == 'a' && (s[1] | 0x20) == 'u' && (s[2] | 0x20) == 't' &&
        (s[3] | 0x20) == 'o')
      return std::uint32_t{0};
    std::uint32_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || v < 2 || v > (1u << 22))
      return Status::error("expected an integer 2-4194304 or AUTO, got '" + std::string(s) + "'");
    return v;
  }
  std::string format(std::uint32_t v) const { return v == 0 ? "AUTO" : std::to_string(v); }
};

// C_SCAN: a time with a fraction of a nanosecond allowed ("0.8ns", "1ns", "0.002us").
struct FractionalNs {
  Result<double> parse(std::string_view s) const {
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    std::string_view unit = s.substr(static_cast<std::size_t>(p - s.data()));
    double mul = unit == "ns" ? 1 : unit == "us" ? 1e3 : unit == "ms" ? 1e6 : unit == "s" ? 1e9 : 0;
    if (ec != std::errc{} || mul == 0 || !(v > 0) || v * mul > 1e9)
      return Status::error("expected a time above 0 with a unit (ns, us, ms, s), got '" +
                           std::string(s) + "'");
    return v * mul;
  }
  std::string format(double v) const { return std::to_string(v) + "ns"; }
};

// The scan's inner loop, shared by scan() and the C_scan measurement so both time the same work.
template <typename OnSend, typename OnDrop>
void scan_units(zc_unit* units, std::uint32_t n, OnSend&& on_send, OnDrop&& on_drop) {
  for (std::uint32_t i = 0; i < n; ++i) {
    // ACQUIRE: pairs with the consumer's RELEASE of SEND/DROP (zc_mark), so its last reads and
    // in-place writes of the unit are complete before we transmit or reuse it.
    std::uint32_t s = zc::state_ref(units[i]).load(std::memory_order_acquire);
    if (s == ZC_SEND)
      on_send(i);
    else if (s == ZC_DROP)
      on_drop(i);
  }
}

}  // namespace

std::uint32_t ZeroCopyRing::auto_units(double alpha_ns, double c_scan_ns, double rate_pps) {
  double opt = c_scan_ns > 0 ? std::ceil(std::sqrt(alpha_ns / c_scan_ns)) : double(kMaxUnits);
  double floor_rate = std::floor(rate_pps * alpha_ns / 1e9) + 1;  // n > p·α
  double n = std::max(opt, floor_rate);
  n = std::clamp(n, double(kMinUnits), double(kMaxUnits));
  return static_cast<std::uint32_t>(n);
}

double ZeroCopyRing::model_time_ns(double rho, double alpha_ns, double c_scan_ns, double c_ns,
                                   std::uint32_t n) {
  double dn = n;
  return rho * alpha_ns / (2 * dn) + rho * c_scan_ns * (dn + 1) / 2 + c_ns;
}

double ZeroCopyRing::measure_c_scan_ns(std::uint32_t units) {
  std::vector<zc_unit> ring(units);
  std::memset(ring.data(), 0, ring.size() * sizeof(zc_unit));
  std::uint64_t hits = 0;  // stays 0: every unit is free
  double best = 1e18;
  for (int run = 0; run < 5; ++run) {
    std::uint64_t t0 = zc_now_ns();
    scan_units(
        ring.data(), units, [&](std::uint32_t) { ++hits; }, [&](std::uint32_t) { ++hits; });
    best = std::min(best, double(zc_now_ns() - t0) / units);
  }
  return std::max(hits ? best : best, 0.01);
}

ZeroCopyRing::ZeroCopyRing() : timer_(this, [this] { tick(); }) {}

ZeroCopyRing::~ZeroCopyRing() {
  if (shared_) unref(shared_);
}

Status ZeroCopyRing::configure(Args& args) {
  Status st =
      args.required("NAME", name_)
          .optional("UNITS", units_arg_, UnitsArg{})
          .optional("UNIT_SIZE", unit_size_, in_range(Bytes{64}, Bytes{65536}))
          .optional("SCAN_INTERVAL", alpha_, in_range(Duration{10'000}, Duration{10'000'000'000}))
          .optional_keyword("RATE", rate_)
          .optional_keyword("C_SCAN", c_scan_arg_, FractionalNs{})
          .optional_keyword("CONSUMER_TIMEOUT", consumer_timeout_, at_least(Duration{0}))
          .optional_keyword("UMEM", umem_)
          .done();
  if (!st) return st;
  char path[512];
  if (zc_name_path(name_.c_str(), path, sizeof path) < 0)
    return Status::error("NAME: expected 1-63 characters of [A-Za-z0-9_.-], got '" + name_ + "'");
  return {};
}

Status ZeroCopyRing::initialize() {
  c_scan_init_ = c_scan_arg_ > 0 ? c_scan_arg_ : measure_c_scan_ns();
  n_ = units_arg_ ? units_arg_ : auto_units(double(alpha_.ns), c_scan_init_, double(rate_));
  int err = 0;
  auto ring = zc::Producer::create(name_, n_, static_cast<std::uint32_t>(unit_size_.value), err);
  if (!ring) {
    std::string why = err == -EEXIST ? "another live process publishes this name"
                                     : std::string(std::strerror(-err));
    return Status::error("NAME: cannot create ring '" + name_ + "': " + why);
  }
  shared_ = new Shared;
  shared_->ring = std::move(ring);
  shared_->free.store(n_, std::memory_order_relaxed);
  held_.resize(n_);
  timer_.attach(scheduler());
  timer_.schedule_after_ns(static_cast<std::uint64_t>(alpha_.ns));
  return {};
}

void ZeroCopyRing::cleanup() {
  timer_.detach();
  held_.clear();  // lent frames go back to their owner
  for (auto& a : lent_areas_) a = LentArea{};
  if (shared_) {
    // Consumers can no longer attach; the memory stays until the last lent packet is freed.
    shared_->ring->unpublish();
    unref(shared_);
    shared_ = nullptr;
  }
}

std::uint32_t ZeroCopyRing::lend_slot(const Packet& p) {
  const ShareableMemory* m = p.shareable_memory();
  // A shared buffer is not lent: the consumer's in-place edits would reach the other packets.
  if (!m || p.shared()) return 0;
  for (std::uint32_t s = 0; s < ZC_MAX_AREAS; ++s)
    if (lent_areas_[s].id == m->id) return s + 1;
  // A slot no unit refers to any more takes the new memory (ids are never reused, so a memory
  // that went away and another at the same address and fd are told apart).
  for (std::uint32_t s = 0; s < ZC_MAX_AREAS; ++s)
    if (lent_areas_[s].units == 0 && shared_->ring->add_area(m->fd, m->size, s + 1)) {
      lent_areas_[s].id = m->id;
      return s + 1;
    }
  return 0;
}

void ZeroCopyRing::push(int, Batch&& batch) {
  if (!shared_) return;
  zc::Producer& ring = *shared_->ring;
  std::uint64_t t0 = zc_now_ns();
  std::uint32_t unit_size = ring.unit_size();
  std::uint32_t published = 0;
  Packet* pkts[Batch::kCapacity];
  const std::uint32_t count = batch.release_to(pkts);
  Batch rest;  // the packets not lent: copied or dropped, freed together at the end
  for (std::uint32_t k = 0; k < count; ++k) {
    Packet& p = *pkts[k];
    const std::uint32_t slot = umem_ ? lend_slot(p) : 0;
    if (!slot && p.length() > unit_size) {
      ++too_long_drops_;
      rest.adopt(pkts[k]);
      continue;
    }
    if (shared_->free.load(std::memory_order_acquire) == 0) {
      ++no_unit_drops_;  // Condition 2: every unit is taken
      rest.adopt(pkts[k]);
      continue;
    }
    // The counter promises a FREE unit exists; find it from where the last one was taken, so
    // units are used round the ring in arrival order. Bounded: a misbehaving consumer may have
    // overwritten a free unit's state, and must not hang the router.
    std::uint32_t i = cursor_, j = 0;
    while (j < n_ && zc::state_ref(ring.unit(i)).load(std::memory_order_acquire) != ZC_FREE) {
      i = i + 1 == n_ ? 0 : i + 1;
      ++j;
    }
    if (j == n_) {
      ++no_unit_drops_;
      shared_->free.store(0, std::memory_order_relaxed);  // resynchronised at the next scan
      rest.adopt(pkts[k]);
      continue;
    }
    cursor_ = i + 1 == n_ ? 0 : i + 1;
    shared_->free.fetch_sub(1, std::memory_order_relaxed);
    zc_unit& u = ring.unit(i);
    // Only the producer leaves FREE, so a plain relaxed store suffices for ALLOCATED.
    zc::state_ref(u).store(ZC_ALLOCATED, std::memory_order_relaxed);
    if (slot) {
      // Lent in place: the unit points into the UMEM frame, which this element holds until the
      // consumer decides; the frame itself is what leaves on output 0 or goes back to the kernel.
      const ShareableMemory* m = p.shareable_memory();
      u.area = slot;
      u.offset = static_cast<std::uint64_t>(p.data() - m->base);
      ++lent_areas_[slot - 1].units;
      held_[i] = PacketPtr(pkts[k]);
      ++lent_;
    } else {
      std::memcpy(ring.data(i), p.data(), p.length());
      u.area = 0;
      rest.adopt(pkts[k]);
    }
    u.length = p.length();
    u.timestamp_ns = t0;
    u.packet_timestamp_ns = p.timestamp_ns();
    u.seq = seq_++;
    // RELEASE: payload, length and stamps above become visible to a consumer that sees RECEIVED.
    zc::state_ref(u).store(ZC_RECEIVED, std::memory_order_release);
    ++published;
  }
  ring.set_counts(stored_ + published, no_unit_drops_);
  if (published) {
    ring.publish();
    stored_ += published;
    std::uint64_t t1 = zc_now_ns();
    push_ns_ += t1 - t0;
    if (!first_store_ns_) first_store_ns_ = t0;
    last_store_ns_ = t1;
  }
}

void ZeroCopyRing::return_lent(std::uint32_t i) {
  --lent_areas_[shared_->ring->unit(i).area - 1].units;
  held_[i].reset();  // the frame goes back to its owner (the UMEM's fill ring)
}

void ZeroCopyRing::scan() {
  if (!shared_) return;
  zc::Producer& ring = *shared_->ring;
  std::uint64_t t0 = zc_now_ns();
  if (ring.reap_consumer(t0, static_cast<std::uint64_t>(consumer_timeout_.ns))) {
    ++consumer_deaths_;
    std::uint32_t got = ring.reclaim_orphans();
    orphans_ += got;
    for (std::uint32_t i = 0; i < n_; ++i)
      if (held_[i] && zc::state_ref(ring.unit(i)).load(std::memory_order_relaxed) == ZC_FREE)
        return_lent(i);
    shared_->free.fetch_add(got, std::memory_order_release);
  }
  Batch out;
  scan_units(
      &ring.unit(0), n_,
      [&](std::uint32_t i) {
        zc_unit& u = ring.unit(i);
        latency_sum_ += t0 - std::min(t0, u.timestamp_ns);
        ++latency_n_;
        ++sent_;
        if (u.area != 0) {
          // A lent frame leaves as the packet it came in as; the unit is free at once.
          --lent_areas_[u.area - 1].units;
          out.append(std::move(held_[i]));
          zc::state_ref(u).store(ZC_FREE, std::memory_order_relaxed);
          shared_->free.fetch_add(1, std::memory_order_release);
          if (out.full()) output(0).push(std::move(out));
          return;
        }
        // Only the producer leaves SEND; the consumer no longer touches the unit.
        zc::state_ref(u).store(ZC_IN_SEND, std::memory_order_relaxed);
        std::uint32_t len = std::min(u.length, ring.unit_size());
        shared_->refs.fetch_add(1, std::memory_order_relaxed);
        PacketPtr p = Packet::wrap(ring.data(i), ring.header().unit_stride, 0, len,
                                   ExternalRelease{release_unit, shared_, i});
        p->set_timestamp_ns(u.packet_timestamp_ns);
        out.append(std::move(p));
        if (out.full()) output(0).push(std::move(out));
      },
      [&](std::uint32_t i) {
        if (held_[i]) return_lent(i);
        zc::state_ref(ring.unit(i)).store(ZC_FREE, std::memory_order_relaxed);
        shared_->free.fetch_add(1, std::memory_order_release);
        ++consumer_drops_;
      });
  output(0).push(std::move(out));
  if (shared_->free.load(std::memory_order_relaxed) == 0 && count_state(ZC_FREE) > 0)
    shared_->free.store(count_state(ZC_FREE), std::memory_order_relaxed);
  std::uint64_t t1 = zc_now_ns();
  ring.heartbeat(t1);
  ++scans_;
  scan_ns_ += t1 - t0;
  scanned_units_ += n_;
}

void ZeroCopyRing::tick() {
  std::uint64_t now = zc_now_ns();
  if (!first_scan_ns_) first_scan_ns_ = now;
  last_scan_ns_ = now;
  ++timed_scans_;
  scan();
  // Keep the cadence from the previous expiry; after a long stall restart from now.
  std::uint64_t step = static_cast<std::uint64_t>(alpha_.ns), next = timer_.expiry_ns() + step;
  std::uint64_t t = monotonic_ns();
  timer_.schedule_at_ns(next + 4 * step < t ? t + step : next);
}

std::uint32_t ZeroCopyRing::count_state(zc_state s) const {
  if (!shared_) return 0;
  std::uint32_t c = 0;
  for (std::uint32_t i = 0; i < n_; ++i)
    c += zc::state_ref(shared_->ring->unit(i)).load(std::memory_order_acquire) == std::uint32_t(s);
  return c;
}

double ZeroCopyRing::c_scan_ns() const {
  return scanned_units_ ? double(scan_ns_) / double(scanned_units_) : c_scan_init_;
}

void ZeroCopyRing::reset_counts() {
  stored_ = sent_ = lent_ = consumer_drops_ = no_unit_drops_ = too_long_drops_ = scans_ = 0;
  consumer_deaths_ = orphans_ = push_ns_ = scan_ns_ = scanned_units_ = 0;
  first_scan_ns_ = last_scan_ns_ = timed_scans_ = first_store_ns_ = last_store_ns_ = 0;
  latency_sum_ = latency_n_ = 0;
}

void ZeroCopyRing::add_handlers(Handlers& h) {
  h.read("n", [this] { return std::to_string(n_); });
  h.read("unit_size", [this] { return std::to_string(unit_size_.value); });
  h.read("path", [this] { return shared_ ? shared_->ring->path() : std::string(); });
  static constexpr struct {
    const char* name;
    zc_state state;
  } kStates[] = {{"free", ZC_FREE}, {"allocated", ZC_ALLOCATED}, {"received", ZC_RECEIVED},
                 {"read", ZC_READ}, {"send", ZC_SEND},           {"in_send", ZC_IN_SEND},
                 {"drop", ZC_DROP}};
  for (const auto& s : kStates) {
    zc_state st = s.state;
    h.read(s.name, [this, st] { return std::to_string(count_state(st)); });
  }
  h.read("stored", stored_);
  h.read("sent", sent_);
  h.read("lent", lent_);
  h.read("consumer_drops", consumer_drops_);
  h.read("no_unit_drops", no_unit_drops_);
  h.read("too_long_drops", too_long_drops_);
  h.read("scans", scans_);
  h.read("consumer_pid", [this] {
    return std::to_string(
        shared_ ? std::atomic_ref<std::uint64_t>(shared_->ring->header().consumer_pid).load() : 0);
  });
  h.read("consumer_deaths", consumer_deaths_);
  h.read("orphans_reclaimed", orphans_);
  h.read("per_packet_ns", [this] { return per_packet_ns(); });
  h.read("c_scan_ns", [this] { return c_scan_ns(); });
  auto alpha = [this] {
    return timed_scans_ > 1 ? double(last_scan_ns_ - first_scan_ns_) / double(timed_scans_ - 1)
                            : double(alpha_.ns);
  };
  h.read("alpha_ns", alpha);
  h.read("latency_ns", [this] { return latency_ns(); });
  h.read("auto_units", [this, alpha] {
    double span = double(last_store_ns_ - first_store_ns_);
    double measured = span > 0 ? double(stored_) * 1e9 / span : 0;
    return std::to_string(auto_units(alpha(), c_scan_ns(), std::max(double(rate_), measured)));
  });
  h.button("scan", [this] { scan(); });
  h.button("reset_counts", [this] { reset_counts(); });
}

}  // namespace pb::elements
