#include "elements/personality/personality_classifier.hpp"

#include <charconv>
#include <sstream>

#include "runtime/lang/config_string.hpp"

namespace pb::elements {

namespace {

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Decimal or 0x-prefixed hexadecimal, at most `max`.
Result<std::uint64_t> parse_number(std::string_view s, std::uint64_t max, std::string_view what) {
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty() || v > max)
    return Status::error(std::string(what) + ": expected a number 0-" + std::to_string(max) +
                         ", got '" + std::string(s) + "'");
  return v;
}

Result<std::vector<std::uint8_t>> parse_hex(std::string_view s) {
  if (s.empty() || s.size() % 2 != 0)
    return Status::error("PATTERN: expected an even number of hex digits, got '" + std::string(s) +
                         "'");
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    unsigned v = 0;
    auto [ptr, ec] = std::from_chars(s.data() + i, s.data() + i + 2, v, 16);
    if (ec != std::errc() || ptr != s.data() + i + 2)
      return Status::error("PATTERN: bad hex digits '" + std::string(s) + "'");
    out.push_back(static_cast<std::uint8_t>(v));
  }
  return out;
}

Result<PersonalityClassifier::Term> parse_term(std::string_view t) {
  PersonalityClassifier::Term term;
  auto slash = t.find('/');
  if (slash == std::string_view::npos)
    return Status::error("PATTERN: expected OFFSET/HEX[%MASK], got '" + std::string(t) + "'");
  auto off = parse_number(t.substr(0, slash), 65535, "PATTERN offset");
  if (!off) return off.status();
  term.offset = static_cast<std::uint32_t>(off.value());
  std::string_view rest = t.substr(slash + 1);
  auto pct = rest.find('%');
  auto val = parse_hex(rest.substr(0, pct));
  if (!val) return val.status();
  term.value = std::move(val.value());
  if (pct != std::string_view::npos) {
    auto mask = parse_hex(rest.substr(pct + 1));
    if (!mask) return mask.status();
    if (mask.value().size() != term.value.size())
      return Status::error("PATTERN: mask and value differ in length in '" + std::string(t) + "'");
    term.mask = std::move(mask.value());
  } else {
    term.mask.assign(term.value.size(), 0xFF);
  }
  for (std::size_t i = 0; i < term.value.size(); ++i) term.value[i] &= term.mask[i];
  return term;
}

std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

}  // namespace

Status PersonalityClassifier::configure(Args& args) {
  // Personality clauses repeat the NAME keyword, which Args keeps only once: read the raw
  // arguments, and let Args consume (and so accept) the keywords.
  std::vector<Personality> pers;
  std::vector<std::uint16_t> trad;
  std::uint32_t queue = 64;
  for (const std::string& arg : lang::split_args(config())) {
    auto w = words(arg);
    if (w.empty()) continue;
    if (w[0] == "QUEUE" || w[0] == "TRADITIONAL") {
      if (w[0] == "QUEUE") {
        if (w.size() != 2) return Status::error("QUEUE: expected one integer");
        auto v = parse_number(w[1], 65536, "QUEUE");
        if (!v) return v.status();
        if (v.value() == 0) return Status::error("QUEUE: expected 1-65536");
        queue = static_cast<std::uint32_t>(v.value());
      } else {
        for (std::size_t i = 1; i < w.size(); ++i) {
          auto v = parse_number(w[i], 0xFFFF, "TRADITIONAL");
          if (!v) return v.status();
          trad.push_back(static_cast<std::uint16_t>(v.value()));
        }
      }
      continue;
    }
    if (w[0] != "NAME" || w.size() < 4)
      return Status::error(
          "expected 'NAME n ETHERTYPE t', 'NAME n VLAN v', 'NAME n PATTERN …', "
          "QUEUE or TRADITIONAL, got '" +
          arg + "'");
    Personality p;
    p.name = w[1];
    for (const auto& q : pers)
      if (q.name == p.name) return Status::error("NAME: personality '" + p.name + "' given twice");
    std::size_t end = w.size();
    if (end >= 6 && w[end - 2] == "QUEUE") {
      auto v = parse_number(w[end - 1], 65536, "QUEUE");
      if (!v) return v.status();
      if (v.value() == 0) return Status::error("QUEUE: expected 1-65536");
      p.capacity = static_cast<std::uint32_t>(v.value());
      end -= 2;
    }
    if (w[2] == "ETHERTYPE" || w[2] == "VLAN") {
      if (end != 4) return Status::error(w[2] + ": expected one value in '" + arg + "'");
      bool vlan = w[2] == "VLAN";
      auto v = parse_number(w[3], vlan ? 4095 : 0xFFFF, w[2]);
      if (!v) return v.status();
      p.kind = vlan ? Kind::vlan : Kind::ethertype;
      p.value = static_cast<std::uint16_t>(v.value());
    } else if (w[2] == "PATTERN") {
      p.kind = Kind::pattern;
      for (std::size_t i = 3; i < end; ++i) {
        auto t = parse_term(w[i]);
        if (!t) return t.status();
        p.terms.push_back(std::move(t.value()));
      }
    } else {
      return Status::error("NAME " + p.name + ": expected ETHERTYPE, VLAN or PATTERN, got '" +
                           w[2] + "'");
    }
    pers.push_back(std::move(p));
  }
  if (pers.empty()) return Status::error("expected at least one personality (NAME …)");
  std::string ignored;
  Status st = args.optional_keyword("NAME", ignored)
                  .optional_keyword("QUEUE", ignored)
                  .optional_keyword("TRADITIONAL", ignored)
                  .done();
  if (!st) return st;
  for (auto& p : pers) {
    if (p.capacity == 0) p.capacity = queue;
    p.fifo = std::make_unique<PacketFifo>(p.capacity);
  }
  pers_ = std::move(pers);
  traditional_types_ = std::move(trad);
  return {};
}

Status PersonalityClassifier::initialize() {
  if (static_cast<std::size_t>(noutputs()) != pers_.size() + 2)
    return Status::error("expected " + std::to_string(pers_.size() + 2) +
                         " outputs (traditional receive, traditional transmit, then one per "
                         "personality), got " +
                         std::to_string(noutputs()));
  return {};
}

int PersonalityClassifier::classify(const Packet& p) const {
  const std::uint8_t* d = p.data();
  const std::uint32_t len = p.length();
  if (len < 14) return -2;
  std::uint16_t type = be16(d + 12);
  int vid = -1;
  if (type == 0x8100) {
    if (len < 18) return -2;
    vid = be16(d + 14) & 0x0FFF;
    type = be16(d + 16);
  }
  for (std::size_t i = 0; i < pers_.size(); ++i) {
    const Personality& q = pers_[i];
    bool match = false;
    switch (q.kind) {
      case Kind::ethertype:
        match = type == q.value;
        break;
      case Kind::vlan:
        match = vid == q.value;
        break;
      case Kind::pattern:
        match = true;
        for (const Term& t : q.terms) {
          if (t.offset + t.value.size() > len) {
            match = false;
            break;
          }
          for (std::size_t k = 0; k < t.value.size() && match; ++k)
            match = (d[t.offset + k] & t.mask[k]) == t.value[k];
          if (!match) break;
        }
        break;
    }
    if (match) return static_cast<int>(i);
  }
  if (type < 0x0600) return -2;  // an 802.3 length field: no network we know
  if (!traditional_types_.empty()) {
    bool known = false;
    for (auto t : traditional_types_) known = known || t == type;
    if (!known) return -2;
  }
  return -1;
}

void PersonalityClassifier::push(int port, Batch&& b) {
  if (port == 1) {
    // The traditional side may not send frames that belong to a personality.
    std::uint64_t bad_type = 0, runt = 0;
    b.drop_if([&](Packet& p) {
      int c = classify(p);
      if (c >= 0) ++bad_type;
      if (c == -2 && p.length() < 14) ++runt;
      return c >= 0 || (c == -2 && p.length() < 14);
    });
    illegal_ += bad_type;
    unclassifiable_ += runt;
    output(1).push(std::move(b));
    return;
  }
  const std::size_t k = pers_.size();
  std::vector<Batch> outs(k + 2);  // [0..k) personalities, k traditional, k+1 unclassifiable
  std::move(b).classify(
      [&](Packet& p) {
        int c = classify(p);
        return c >= 0 ? c : c == -1 ? static_cast<int>(k) : static_cast<int>(k + 1);
      },
      std::span<Batch>(outs));
  unclassifiable_ += outs[k + 1].size();
  traditional_ += outs[k].size();
  for (std::size_t i = 0; i < k; ++i) {
    if (outs[i].empty()) continue;
    pers_[i].count += outs[i].size();
    pers_[i].fifo->push(std::move(outs[i]));
  }
  output(0).push(std::move(outs[k]));
}

Batch PersonalityClassifier::pull(int port, std::uint32_t max) {
  if (port < 2 || static_cast<std::size_t>(port - 2) >= pers_.size()) return Batch();
  return pers_[static_cast<std::size_t>(port - 2)].fifo->pull(max);
}

ActiveNotifier* PersonalityClassifier::output_notifier(int port) {
  if (port < 2 || static_cast<std::size_t>(port - 2) >= pers_.size()) return nullptr;
  return &pers_[static_cast<std::size_t>(port - 2)].fifo->available();
}

std::string PersonalityClassifier::per_personality(auto get) const {
  std::string s;
  for (const auto& p : pers_) {
    if (!s.empty()) s += ' ';
    s += std::to_string(get(p));
  }
  return s;
}

void PersonalityClassifier::add_handlers(Handlers& h) {
  h.read("unclassifiable", unclassifiable_);
  h.read("illegal", illegal_);
  h.read("traditional", traditional_);
  h.read("length", [this] { return per_personality([](auto& p) { return p.fifo->length(); }); });
  h.read("capacity",
         [this] { return per_personality([](auto& p) { return p.fifo->capacity(); }); });
  h.read("drops", [this] { return per_personality([](auto& p) { return p.fifo->drops(); }); });
  h.read("count", [this] { return per_personality([](auto& p) { return p.count; }); });
  h.read("personalities", [this] {
    std::string s;
    for (const auto& p : pers_) {
      if (!s.empty()) s += ' ';
      s += p.name;
    }
    return s;
  });
  for (auto& p : pers_) {
    Personality* q = &p;
    h.read("length_" + p.name, [q] { return q->fifo->length(); });
    h.read("capacity_" + p.name, [q] { return q->fifo->capacity(); });
    h.read("drops_" + p.name, [q] { return q->fifo->drops(); });
    h.read("count_" + p.name, [q] { return q->count; });
  }
}

}  // namespace pb::elements
