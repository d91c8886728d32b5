#include "elements/wan/loss_delay_reorder.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <random>
#include <sstream>

namespace pb::elements {

constexpr int kTableBits = 12;
constexpr int kTableSize = 1 << kTableBits;

// A standardized law's quantiles (mean 0, sd 1) for jitter.
struct JitterTable {
  std::array<float, kTableSize + 1> q{};
  // u in [0, 2^32): quantile at (u + 0.5) / 2^32, linearly interpolated.
  double at(std::uint32_t u) const {
    std::uint32_t i = u >> (32 - kTableBits);
    double f = static_cast<double>(u & ((1u << (32 - kTableBits)) - 1)) /
               static_cast<double>(1u << (32 - kTableBits));
    return q[i] + f * (q[i + 1] - q[i]);
  }
};

namespace {

// ---- argument parsers shared by configure() and the write handlers ----

// A probability: "0.027", "2.7%" or "2.7 %".
struct ProbabilityArg {
  Result<double> parse(std::string_view s) const {
    bool percent = false;
    std::string_view num = s;
    if (!num.empty() && num.back() == '%') {
      percent = true;
      num.remove_suffix(1);
      while (!num.empty() && num.back() == ' ') num.remove_suffix(1);
    }
    auto r = ArgTraits<double>::parse(num);
    if (!r || !std::isfinite(*r))
      return Status::error("expected probability (0-1 or a percentage)" + args_detail::got(s));
    double v = percent ? *r / 100.0 : *r;
    if (v < 0 || v > 1) return Status::error("probability must be between 0 and 1 (0%-100%)");
    return v;
  }
  std::string format(const double& v) const {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10g%%", v * 100.0);
    return buf;
  }
};

// "p [r [1-h [1-k]]]", each a probability.
struct GeModelArg {
  Result<GeModel> parse(std::string_view s) const {
    auto text = ArgTraits<std::string>::parse(s);  // the value is usually quoted: "1% 10%"
    if (!text) return text.status();
    std::vector<std::string> words;
    std::istringstream in{*text};
    for (std::string w; in >> w;) words.push_back(w);
    if (words.empty() || words.size() > 4)
      return Status::error("expected 'p [r [1-h [1-k]]]' (1 to 4 probabilities)" +
                           args_detail::got(s));
    std::array<double, 4> v{};
    for (std::size_t i = 0; i < words.size(); ++i) {
      auto r = ProbabilityArg{}.parse(words[i]);
      if (!r) return r.status();
      v[i] = *r;
    }
    GeModel m;
    m.p = v[0];
    m.r = words.size() > 1 ? v[1] : 1 - v[0];
    m.loss_bad = words.size() > 2 ? v[2] : 1;
    m.loss_good = words.size() > 3 ? v[3] : 0;
    return m;
  }
  std::string format(const GeModel& m) const {
    ProbabilityArg f;
    return f.format(m.p) + " " + f.format(m.r) + " " + f.format(m.loss_bad) + " " +
           f.format(m.loss_good);
  }
};

const auto kDistributions =
    choices<LossDelayReorder::Distribution>({{"uniform", LossDelayReorder::Distribution::uniform},
                                             {"normal", LossDelayReorder::Distribution::normal},
                                             {"pareto", LossDelayReorder::Distribution::pareto}});
const auto kProfiles = choices<LossDelayReorder::Profile>(
    {{"none", LossDelayReorder::Profile::none}, {"paxson", LossDelayReorder::Profile::paxson}});

constexpr std::uint32_t kMaxLimit = 1u << 24;
constexpr std::uint64_t kDefaultReorderHoldNs = 1000000;  // 1 ms, when there is no DELAY

// ---- jitter laws: quantile tables of standardized distributions (mean 0, sd 1) ----
// netem uses tables too; a table lookup with interpolation costs a few ns, an inverse CDF call
// far more.

double normal_cdf(double x) {
  return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

const JitterTable& normal_table() {
  static const JitterTable t = [] {
    JitterTable tab;
    for (int i = 0; i <= kTableSize; ++i) {
      // Entry i is the quantile at (i + 0.5) / (N + 1): finite at both ends.
      double u = (i + 0.5) / (kTableSize + 1);
      double lo = -10, hi = 10;
      for (int k = 0; k < 80; ++k) {
        double mid = 0.5 * (lo + hi);
        (normal_cdf(mid) < u ? lo : hi) = mid;
      }
      tab.q[static_cast<std::size_t>(i)] = static_cast<float>(0.5 * (lo + hi));
    }
    return tab;
  }();
  return t;
}

const JitterTable& pareto_table() {
  static const JitterTable t = [] {
    // Pareto with shape 3 and scale 1: quantile (1-u)^(-1/3), mean 1.5, sd sqrt(0.75).
    JitterTable tab;
    for (int i = 0; i <= kTableSize; ++i) {
      double u = (i + 0.5) / (kTableSize + 1);
      double x = std::pow(1 - u, -1.0 / 3.0);
      tab.q[static_cast<std::size_t>(i)] = static_cast<float>((x - 1.5) / std::sqrt(0.75));
    }
    return tab;
  }();
  return t;
}

// ---- packet layout for corruption ----

struct Layout {
  std::uint32_t payload = 0;  // first byte beyond the headers
  std::uint32_t end = 0;      // end of the IP datagram (or of the packet)
  std::int32_t csum_at = -1;  // offset of a TCP/UDP/ICMP checksum to keep right, -1: none
  std::uint32_t l4 = 0;       // where the checksummed transport segment starts
  bool udp = false;           // UDP: a zero checksum means "none", and 0 is sent as 0xFFFF
};

std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

// Parses from the network header annotation when there is one, else guesses: an Ethernet frame
// carrying IP (one VLAN tag allowed), else a bare IP packet, else another Ethernet frame (only
// its header is kept intact), else no headers at all.
Layout layout_of(const Packet& p) {
  const std::uint8_t* d = p.data();
  const std::uint32_t len = p.length();
  Layout l;
  l.end = len;
  std::uint32_t nh;
  if (p.has_network_header() && p.network_header_offset() >= 0) {
    nh = static_cast<std::uint32_t>(p.network_header_offset());
  } else if (len >= 14 && (be16(d + 12) == 0x0800 || be16(d + 12) == 0x86DD)) {
    nh = 14;
  } else if (len >= 18 && be16(d + 12) == 0x8100 &&
             (be16(d + 16) == 0x0800 || be16(d + 16) == 0x86DD)) {
    nh = 18;
  } else if ((len >= 20 && (d[0] >> 4) == 4 && (d[0] & 0x0F) >= 5 && be16(d + 2) <= len) ||
             (len >= 40 && (d[0] >> 4) == 6 && 40u + be16(d + 4) <= len)) {
    nh = 0;  // a bare IP packet
  } else if (len >= 14 && be16(d + 12) >= 0x0600) {
    l.payload = 14;  // Ethernet carrying something else (ARP…): only the Ethernet header
    return l;
  } else {
    return l;  // unknown: every byte is payload
  }
  if (nh >= len) {
    l.payload = len;
    return l;
  }
  const std::uint8_t* ip = d + nh;
  std::uint32_t room = len - nh;
  std::uint32_t l4;
  int proto;
  if ((ip[0] >> 4) == 4) {
    std::uint32_t ihl = (ip[0] & 0x0Fu) * 4u;
    if (room < 20 || ihl < 20 || ihl > room) {
      l.payload = len;
      return l;
    }
    std::uint32_t total = be16(ip + 2);
    if (total >= ihl && total <= room) l.end = nh + total;
    l4 = nh + ihl;
    bool first_fragment = (be16(ip + 6) & 0x1FFF) == 0;
    proto = first_fragment ? ip[9] : -1;
  } else if ((ip[0] >> 4) == 6) {
    if (room < 40) {
      l.payload = len;
      return l;
    }
    std::uint32_t plen = be16(ip + 4);
    if (40 + plen <= room) l.end = nh + 40 + plen;
    l4 = nh + 40;
    proto = ip[6] == 58 ? 1 : ip[6];  // ICMPv6 has its checksum where ICMP has it
  } else {
    l.payload = len;
    return l;
  }
  std::uint32_t th = 0;
  std::int32_t csum = -1;
  switch (proto) {
    case 6:
      if (l4 + 20 <= l.end) {
        th = (d[l4 + 12] >> 4) * 4u;
        csum = 16;
      }
      break;
    case 17:
      th = 8;
      csum = 6;
      l.udp = true;
      break;
    case 1:
      th = 8;
      csum = 2;
      break;
    default:
      break;
  }
  if (l4 + th > l.end) {
    l.payload = l.end;
    return l;
  }
  l.l4 = l4;
  l.payload = l4 + th;
  if (csum >= 0) l.csum_at = static_cast<std::int32_t>(l4) + csum;
  return l;
}

// One's complement sum helpers for RFC 1624's incremental update: HC' = ~(~HC + ~m + m').
std::uint16_t ones_add(std::uint32_t a, std::uint32_t b) {
  std::uint32_t s = a + b;
  s = (s & 0xFFFF) + (s >> 16);
  s = (s & 0xFFFF) + (s >> 16);
  return static_cast<std::uint16_t>(s);
}

}  // namespace

void Chance::set(double v) {
  p = v;
  threshold = static_cast<std::uint64_t>(std::llround(v * 4294967296.0));
}

LossDelayReorder::LossDelayReorder() : timer_(this, [this] { on_timer(); }) {}

LossDelayReorder::~LossDelayReorder() {
  free_all();
}

Status LossDelayReorder::configure(Args& args) {
  // Plain variables and Args::given(): the probability parsers read double, not optional.
  double loss = 0, corrupt = 0, duplicate = 0, reorder = 0;
  GeModel ge;
  std::optional<std::uint64_t> seed;
  Profile profile = Profile::none;
  ProbabilityArg prob;
  Status st = args.optional_keyword("LOSS", loss, prob)
                  .optional_keyword("LOSS_GEMODEL", ge, GeModelArg{})
                  .optional_keyword("CORRUPT", corrupt, prob)
                  .optional_keyword("FIX_CHECKSUM", fix_checksum_)
                  .optional_keyword("DUPLICATE", duplicate, prob)
                  .optional_keyword("REORDER", reorder, prob)
                  .optional_keyword("GAP", gap_, at_least<std::uint32_t>(1))
                  .optional_keyword("REORDER_DELAY", reorder_delay_, at_least(Duration{0}))
                  .optional_keyword("DELAY", delay_, at_least(Duration{0}))
                  .optional_keyword("JITTER", jitter_, at_least(Duration{0}))
                  .optional_keyword("DISTRIBUTION", distribution_, kDistributions)
                  .optional_keyword("RATE", rate_)
                  .optional_keyword("LIMIT", limit_, in_range<std::uint32_t>(1, kMaxLimit))
                  .optional_keyword("SEED", seed)
                  .optional_keyword("PROFILE", profile, kProfiles)
                  .done();
  if (!st) return st;
  if (args.given("LOSS") && args.given("LOSS_GEMODEL"))
    return Status::error("give LOSS or LOSS_GEMODEL, not both");
  apply_profile(profile);
  if (args.given("LOSS")) loss_.set(loss);
  if (args.given("LOSS_GEMODEL")) set_gemodel(ge);
  if (args.given("CORRUPT")) corrupt_.set(corrupt);
  if (args.given("DUPLICATE")) duplicate_.set(duplicate);
  if (args.given("REORDER")) reorder_.set(reorder);
  seed_ = seed ? *seed : (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  rng_.reseed(seed_);
  fit_capacity(limit_);
  return {};
}

void LossDelayReorder::apply_profile(Profile pr) {
  if (pr == Profile::paxson) {
    loss_.set(0.027);
    gemodel_ = false;
    corrupt_.set(0.0002);
    reorder_.set(0.02);
  }
}

void LossDelayReorder::set_gemodel(const GeModel& m) {
  ge_ = m;
  ge_p_.set(m.p);
  ge_r_.set(m.r);
  ge_loss_bad_.set(m.loss_bad);
  ge_loss_good_.set(m.loss_good);
  gemodel_ = true;
}

void LossDelayReorder::apply_seed(std::uint64_t seed) {
  rng_.reseed(seed);
  have_half_ = false;
}

Status LossDelayReorder::initialize() {
  timer_.attach(scheduler());
  return {};
}

void LossDelayReorder::cleanup() {
  timer_.detach();
}

void LossDelayReorder::free_all() {
  Batch b;
  auto flush = [&](Packet* p) {
    if (b.full()) b.clear();
    b.adopt(p);
  };
  for (std::size_t i = 0; i < ring_count_; ++i) flush(ring_[(ring_head_ + i) & ring_mask_].p);
  for (const Slot& s : heap_) flush(s.p);
  ring_count_ = 0;
  heap_.clear();
}

// Grows the store when LIMIT grew (never shrinks it: packets held above a lowered LIMIT stay).
void LossDelayReorder::fit_capacity(std::size_t limit) {
  std::size_t need = std::max(limit, queued());
  if (ring_.size() >= need && heap_.capacity() >= need) return;
  std::size_t cap = 16;
  while (cap < need) cap <<= 1;
  std::vector<Slot> ring(cap);
  for (std::size_t i = 0; i < ring_count_; ++i) ring[i] = ring_[(ring_head_ + i) & ring_mask_];
  ring_.swap(ring);
  ring_head_ = 0;
  ring_mask_ = cap - 1;
  heap_.reserve(cap);
}

bool LossDelayReorder::lose() {
  if (!gemodel_) return happens(loss_);
  // Decide in the current state, then move (netem's order).
  bool lost = ge_bad_ ? happens(ge_loss_bad_) : happens(ge_loss_good_);
  if (ge_bad_) {
    if (happens(ge_r_)) ge_bad_ = false;
  } else if (happens(ge_p_)) {
    ge_bad_ = true;
  }
  return lost;
}

std::int64_t LossDelayReorder::draw_delay() {
  const std::int64_t d = batch_.delay_ns;
  if (batch_.jitter_ns == 0) return d;
  const std::uint32_t u = draw32();
  // [-1, 1) for uniform, else the standardized law's quantile.
  double z = batch_.table ? batch_.table->at(u) : static_cast<double>(u) / 2147483648.0 - 1.0;
  double v = static_cast<double>(d) + z * batch_.jitter_ns;
  return v <= 0 ? 0 : static_cast<std::int64_t>(v);
}

std::uint64_t LossDelayReorder::effective_reorder_delay() const {
  if (reorder_delay_) return static_cast<std::uint64_t>(reorder_delay_->ns);
  return delay_.ns > 0 ? 0 : kDefaultReorderHoldNs;
}

void LossDelayReorder::corrupt(Packet& p) {
  Layout l = layout_of(p);
  if (l.payload >= l.end) return;  // nothing beyond the headers
  std::uint64_t bits = static_cast<std::uint64_t>(l.end - l.payload) * 8;
  std::uint64_t pick = (static_cast<std::uint64_t>(draw32()) * bits) >> 32;
  std::uint32_t at = l.payload + static_cast<std::uint32_t>(pick / 8);
  auto mask = static_cast<std::uint8_t>(1u << (pick % 8));
  std::uint8_t* d = p.writable_data();  // copy-on-write: a duplicate keeps the intact bytes
  d[at] ^= mask;
  ++counters_.corrupted;
  if (!fix_checksum_ || l.csum_at < 0) return;
  auto at_csum = static_cast<std::uint32_t>(l.csum_at);
  std::uint16_t hc = be16(d + at_csum);
  if (l.udp && hc == 0) return;  // UDP without a checksum
  // The flipped byte's 16-bit word, aligned on the transport header.
  std::uint32_t word_at = at - ((at - l.l4) & 1u);
  std::uint16_t now_word =
      word_at + 1 < l.end ? be16(d + word_at) : static_cast<std::uint16_t>(d[word_at] << 8);
  std::uint16_t mword =
      static_cast<std::uint16_t>(((at - l.l4) & 1u) ? mask : static_cast<std::uint16_t>(mask << 8));
  std::uint16_t old_word = now_word ^ mword;
  std::uint16_t sum = ones_add(
      ones_add(static_cast<std::uint16_t>(~hc), static_cast<std::uint16_t>(~old_word)), now_word);
  std::uint16_t out = static_cast<std::uint16_t>(~sum);
  if (l.udp && out == 0) out = 0xFFFF;
  d[at_csum] = static_cast<std::uint8_t>(out >> 8);
  d[at_csum + 1] = static_cast<std::uint8_t>(out & 0xFF);
}

void LossDelayReorder::store(Packet* p, std::uint64_t time) {
  Slot s{time, next_seq_++, p};
  if (ring_count_ == 0 || ring_[(ring_head_ + ring_count_ - 1) & ring_mask_].time <= time) {
    ring_[(ring_head_ + ring_count_) & ring_mask_] = s;
    ++ring_count_;
  } else {
    heap_.push_back(s);
    std::push_heap(heap_.begin(), heap_.end(), Later{});
  }
}

// netem_enqueue's order: duplicate and loss decide how many copies there are; the copy goes
// through everything but duplication; then corruption, the limit, reordering, delay and rate.
void LossDelayReorder::admit(Packet* p, std::uint64_t now, bool may_duplicate) {
  int copies = 1;
  if (may_duplicate && happens(duplicate_)) {
    ++copies;
    ++counters_.duplicated;
  }
  if (lose()) {
    --copies;
    ++counters_.dropped;
  }
  if (copies == 0) {
    p->kill();
    return;
  }
  if (copies > 1) admit(p->clone().release(), now, false);
  if (happens(corrupt_)) corrupt(*p);
  if (queued() >= cur_limit_) {
    ++counters_.overlimit;
    p->kill();
    return;
  }
  std::uint64_t time;
  if (gap_ != 0 && reorder_counter_ + 1 >= gap_ && happens(reorder_)) {
    // Sent early (or, with no DELAY, held back): it leaves out of order on purpose.
    time = now + effective_reorder_delay();
    reorder_counter_ = 0;
    ++counters_.reordered;
  } else {
    ++reorder_counter_;
    std::int64_t d = draw_delay();
    if (batch_.ns_per_byte != 0) {
      // netem: the last packet's send time is the reference; its time already counts against
      // this packet's delay, then the packet's own transmission time is added.
      std::uint64_t ref = std::max(now, last_send_ns_);
      std::int64_t left = d - static_cast<std::int64_t>(ref - now);
      auto tx = static_cast<std::uint64_t>(static_cast<double>(p->length()) * batch_.ns_per_byte);
      time = ref + static_cast<std::uint64_t>(std::max<std::int64_t>(left, 0)) + tx;
      last_send_ns_ = time;
    } else {
      time = now + static_cast<std::uint64_t>(d);
    }
  }
  if (time > now) ++counters_.delayed;
  store(p, time);
}

void LossDelayReorder::enqueue_at(Batch&& in, std::uint64_t now_ns) {
  if (reseed_.load(std::memory_order_relaxed) && reseed_.exchange(false, std::memory_order_acq_rel))
    apply_seed(seed_);
  // One LIMIT per batch: a handler may change limit_ meanwhile, the store was sized for this one.
  cur_limit_ = limit_;
  fit_capacity(cur_limit_);  // a no-op unless LIMIT was raised
  // The settings as of this batch (handlers may write them meanwhile), in the packet loop's terms.
  batch_.delay_ns = delay_.ns;
  batch_.jitter_ns = static_cast<double>(jitter_.ns);
  batch_.table = distribution_ == Distribution::normal   ? &normal_table()
                 : distribution_ == Distribution::pareto ? &pareto_table()
                                                         : nullptr;
  const std::uint64_t bps = rate_.bits_per_second;
  batch_.ns_per_byte = bps ? 8e9 / static_cast<double>(bps) : 0.0;
  counters_.received += in.size();
  Packet* raw[Batch::kCapacity];
  std::uint32_t n = in.release_to(raw);
  for (std::uint32_t i = 0; i < n; ++i) admit(raw[i], now_ns, true);
}

std::uint64_t LossDelayReorder::next_send_ns() const {
  std::uint64_t t = UINT64_MAX;
  if (ring_count_) t = ring_[ring_head_].time;
  if (!heap_.empty()) t = std::min(t, heap_.front().time);
  return t;
}

void LossDelayReorder::dequeue_at(std::uint64_t now_ns, Batch& out) {
  while (!out.full()) {
    const Slot* r = ring_count_ ? &ring_[ring_head_] : nullptr;
    const Slot* h = heap_.empty() ? nullptr : &heap_.front();
    bool from_ring;
    if (r && h)
      from_ring = !Later{}(*r, *h);
    else if (r)
      from_ring = true;
    else if (h)
      from_ring = false;
    else
      break;
    const Slot& s = from_ring ? *r : *h;
    if (s.time > now_ns) break;
    if (any_out_ && s.seq < max_seq_out_)
      ++counters_.out_of_order;
    else
      max_seq_out_ = s.seq;
    any_out_ = true;
    out.adopt(s.p);
    if (from_ring) {
      ring_head_ = (ring_head_ + 1) & ring_mask_;
      --ring_count_;
    } else {
      std::pop_heap(heap_.begin(), heap_.end(), Later{});
      heap_.pop_back();
    }
  }
  counters_.sent += out.size();
}

void LossDelayReorder::push(int, Batch&& batch) {
  std::uint64_t now = monotonic_ns();
  enqueue_at(std::move(batch), now);
  Batch out;
  dequeue_at(now, out);
  output(0).push(std::move(out));
  arm_timer();
}

void LossDelayReorder::on_timer() {
  std::uint64_t now = monotonic_ns();
  // Bounded so one late timer cannot starve the rest of the thread; the re-arm catches up.
  for (int i = 0; i < 64; ++i) {
    Batch out;
    dequeue_at(now, out);
    if (out.empty()) break;
    output(0).push(std::move(out));
  }
  arm_timer();
}

void LossDelayReorder::arm_timer() {
  std::uint64_t next = next_send_ns();
  if (next == UINT64_MAX || !timer_.attached()) return;
  // A timer armed earlier re-arms itself when it fires: arming (a scheduler lock) only when the
  // next send time moved earlier keeps it off the per-batch path.
  if (timer_.scheduled() && timer_.expiry_ns() <= next) return;
  timer_.schedule_at_ns(next);
}

void LossDelayReorder::take_state(LossDelayReorder& old) {
  counters_ = old.counters_;
  ge_bad_ = old.ge_bad_;
  reorder_counter_ = old.reorder_counter_;
  last_send_ns_ = old.last_send_ns_;
  // The held packets move over with their send times and relative order.
  std::vector<Slot> held;
  for (std::size_t i = 0; i < old.ring_count_; ++i)
    held.push_back(old.ring_[(old.ring_head_ + i) & old.ring_mask_]);
  held.insert(held.end(), old.heap_.begin(), old.heap_.end());
  old.ring_count_ = 0;
  old.heap_.clear();
  std::sort(held.begin(), held.end(), [](const Slot& a, const Slot& b) { return Later{}(b, a); });
  free_all();
  fit_capacity(std::max<std::size_t>(limit_, held.size()));
  for (const Slot& s : held) store(s.p, s.time);
  arm_timer();
}

void LossDelayReorder::add_handlers(Handlers& h) {
  ProbabilityArg prob;
  auto chance = [&h, prob](const char* name, Chance& c) {
    h.read(name, [&c, prob] { return prob.format(c.p); });
    h.write(name, [&c, prob](std::string_view v) -> Status {
      auto r = parse_value<double>(handler_detail::trim(v), prob);
      if (!r) return r.status();
      c.set(*r);
      return {};
    });
  };
  h.read("loss", [this, prob] { return prob.format(loss_.p); });
  h.write("loss", [this, prob](std::string_view v) -> Status {
    auto r = parse_value<double>(handler_detail::trim(v), prob);
    if (!r) return r.status();
    loss_.set(*r);
    gemodel_ = false;
    return {};
  });
  h.read("loss_gemodel", [this] { return gemodel_ ? GeModelArg{}.format(ge_) : std::string(); });
  h.write("loss_gemodel", [this](std::string_view v) -> Status {
    auto r = parse_value<GeModel>(handler_detail::trim(v), GeModelArg{});
    if (!r) return r.status();
    set_gemodel(*r);
    return {};
  });
  chance("corrupt", corrupt_);
  chance("duplicate", duplicate_);
  chance("reorder", reorder_);
  h.read_write("fix_checksum", fix_checksum_);
  h.read_write("gap", gap_, at_least<std::uint32_t>(1));
  h.read("reorder_delay", [this] {
    return format_value(Duration{static_cast<std::int64_t>(effective_reorder_delay())});
  });
  h.write("reorder_delay", reorder_delay_, at_least(Duration{0}));
  h.read_write("delay", delay_, at_least(Duration{0}));
  h.read_write("jitter", jitter_, at_least(Duration{0}));
  h.read_write("distribution", distribution_, kDistributions);
  h.read_write("rate", rate_);
  h.read_write("limit", limit_, in_range<std::uint32_t>(1, kMaxLimit));
  h.read("seed", seed_);
  h.write("seed", [this](std::string_view v) -> Status {
    auto r = parse_value<std::uint64_t>(handler_detail::trim(v));
    if (!r) return r.status();
    seed_ = *r;
    reseed_.store(true, std::memory_order_release);  // applied on the packet path's thread
    return {};
  });
  h.write("profile", [this](std::string_view v) -> Status {
    auto r = parse_value<Profile>(handler_detail::trim(v), kProfiles);
    if (!r) return r.status();
    apply_profile(*r);
    return {};
  });
  h.read("received", counters_.received);
  h.read("sent", counters_.sent);
  h.read("dropped", counters_.dropped);
  h.read("corrupted", counters_.corrupted);
  h.read("duplicated", counters_.duplicated);
  h.read("reordered", counters_.reordered);
  h.read("delayed", counters_.delayed);
  h.read("overlimit", counters_.overlimit);
  h.read("out_of_order", counters_.out_of_order);
  h.read("queued", [this] { return static_cast<std::uint64_t>(queued()); });
  h.button("reset", [this] { counters_ = Counters{}; });
}

}  // namespace pb::elements
