#include "elements/iscsi/iscsi_target.hpp"

#include <sys/epoll.h>

#include <cstdio>
#include <cstring>

#include "elements/iscsi/pdu_anno.hpp"
#include "elements/net/stream_anno.hpp"

namespace pb::elements {

namespace {

using net::StreamEvent;

constexpr std::size_t kCopyLimit = Packet::kBufferSize;

const std::array<std::string, ISCSITarget::kMaxLuns>& lun_keys() {
  static const auto keys = [] {
    std::array<std::string, ISCSITarget::kMaxLuns> k;
    for (int i = 0; i < ISCSITarget::kMaxLuns; ++i)
      k[static_cast<std::size_t>(i)] = "LUN" + std::to_string(i);
    return k;
  }();
  return keys;
}

void release_keep(void* ctx, std::uint8_t*, std::uint64_t) {
  delete static_cast<std::shared_ptr<const void>*>(ctx);
}
void release_vector(void* ctx, std::uint8_t*, std::uint64_t) {
  delete static_cast<std::vector<std::uint8_t>*>(ctx);
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (char c : s) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

std::vector<std::string> split_words(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '\n') ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

Result<iscsi::ChapCredentials> credentials(const std::string& user, const std::string& secret,
                                           const char* user_key, const char* secret_key) {
  if (user.empty() != secret.empty())
    return Status::error(std::string(user.empty() ? user_key : secret_key) + ": needed with " +
                         (user.empty() ? secret_key : user_key));
  return iscsi::ChapCredentials{user, secret};
}

}  // namespace

Result<ISCSITarget::LunSpec> ISCSITarget::parse_lun(std::string_view text) {
  const auto words = split_words(text);
  if (words.empty()) return Status::error("expected a back end (memory, null, file:PATH)");
  LunSpec lun;
  lun.backend = words[0];
  const auto colon = lun.backend.find(':');
  const std::string kind = lun.backend.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : lun.backend.substr(colon + 1);
  if (kind == "memory" || kind == "null") {
    if (!arg.empty())
      if (auto s = iscsi::parse_size(arg); !s) return Status::error("bad size '" + arg + "'");
  } else if (kind == "file") {
    if (arg.empty()) return Status::error("file: needs a path");
  } else {
    return Status::error("unknown back end '" + kind + "' (memory, null, file:PATH)");
  }
  for (std::size_t i = 1; i < words.size(); ++i) {
    const std::string& w = words[i];
    const auto eq = w.find('=');
    const std::string key = w.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : w.substr(eq + 1);
    if (w == "read-only" || w == "ro") {
      lun.lu.read_only = true;
    } else if (w == "removable") {
      lun.lu.removable = true;
    } else if (w == "thin") {
      lun.lu.thin = true;
    } else if (key == "block-size" && eq != std::string::npos) {
      auto bs = parse_value<std::uint32_t>(value);
      if (!bs || (*bs != 512 && *bs != 1024 && *bs != 2048 && *bs != 4096))
        return Status::error("block-size must be 512, 1024, 2048 or 4096");
      lun.lu.block_size = *bs;
      // Keep 4 KiB physical blocks where the logical ones are smaller.
      lun.lu.lbppbe = static_cast<std::uint8_t>(*bs >= 4096   ? 0
                                                : *bs == 2048 ? 1
                                                : *bs == 1024 ? 2
                                                              : 3);
    } else if (key == "physical-block-size" && eq != std::string::npos) {
      auto pbs = parse_value<std::uint32_t>(value);
      std::uint8_t exp = 0;
      while (pbs && exp < 15 && (lun.lu.block_size << exp) < *pbs) ++exp;
      if (!pbs || (lun.lu.block_size << exp) != *pbs)
        return Status::error("physical-block-size must be the block size times a power of two");
      lun.lu.lbppbe = exp;
    } else if (key == "size" && eq != std::string::npos) {
      auto s = iscsi::parse_size(value);
      if (!s || *s == 0) return Status::error("bad size '" + value + "'");
      lun.size = *s;
    } else if (key == "serial" && eq != std::string::npos && !value.empty()) {
      lun.lu.serial = value;
    } else if (key == "sanitize-rate" && eq != std::string::npos) {
      auto r = iscsi::parse_size(value);
      if (!r || *r == 0)
        return Status::error("bad sanitize-rate '" + value + "' (bytes per second)");
      lun.lu.sanitize_rate = *r;
    } else {
      return Status::error(
          "unknown LUN option '" + w +
          "' (read-only, removable, thin, block-size=N, physical-block-size=N, size=SIZE, "
          "serial=S, sanitize-rate=SIZE)");
    }
  }
  return lun;
}

ISCSITarget::ISCSITarget() : task_(this, [this] { return run_task(); }) {}

ISCSITarget::~ISCSITarget() = default;

Status ISCSITarget::configure(Args& args) {
  std::string portal, chap_user, chap_secret, mutual_user, mutual_secret;
  bool discovery_auth = false;
  iscsi::NegotiationPolicy& pol = config_.policy;
  std::uint32_t max_connections = pol.max_connections;
  bool immediate = pol.immediate_data;
  bool initial_r2t = pol.initial_r2t;
  Bytes mrdsl{pol.max_recv_data_segment_length};
  Bytes mbl{pol.max_burst_length};
  Bytes fbl{pol.first_burst_length};
  std::uint32_t max_r2t = pol.max_outstanding_r2t;
  auto valid_lun = [](const std::string& s) -> Status {
    auto r = parse_lun(s);
    return r ? Status{} : r.status();
  };
  args.required("NAME", config_.name, [](const std::string& n) -> Status {
    if (n.rfind("iqn.", 0) != 0 && n.rfind("eui.", 0) != 0 && n.rfind("naa.", 0) != 0)
      return Status::error("expected an iSCSI name (iqn.…, eui.… or naa.…)");
    return {};
  });
  for (int i = 0; i < kMaxLuns; ++i)
    args.optional_keyword(lun_keys()[static_cast<std::size_t>(i)],
                          lun_text_[static_cast<std::size_t>(i)], valid_lun);
  Status st =
      args.optional_keyword("ALIAS", config_.alias)
          .optional_keyword("PORTAL", portal)
          .optional_keyword("TPGT", config_.portal_group_tag, at_least<std::uint16_t>(1))
          .optional_keyword("CHAP_USER", chap_user)
          .optional_keyword("CHAP_SECRET", chap_secret)
          .optional_keyword("MUTUAL_USER", mutual_user)
          .optional_keyword("MUTUAL_SECRET", mutual_secret)
          .optional_keyword("DISCOVERY_AUTH", discovery_auth)
          .optional_keyword("QUEUE_DEPTH", config_.cmd_window, in_range<std::uint32_t>(1, 65536))
          .optional_keyword("MAX_SESSIONS", config_.max_sessions, in_range<std::uint32_t>(1, 65535))
          .optional_keyword("MAX_CONNECTIONS", max_connections, in_range<std::uint32_t>(1, 65535))
          .optional_keyword("IMMEDIATE_DATA", immediate)
          .optional_keyword("INITIAL_R2T", initial_r2t)
          .optional_keyword("MAX_RECV_DATA_SEGMENT_LENGTH", mrdsl,
                            in_range(Bytes{512}, Bytes{iscsi::kMaxDataSegmentField}))
          .optional_keyword("MAX_BURST_LENGTH", mbl,
                            in_range(Bytes{512}, Bytes{iscsi::kMaxDataSegmentField}))
          .optional_keyword("FIRST_BURST_LENGTH", fbl,
                            in_range(Bytes{512}, Bytes{iscsi::kMaxDataSegmentField}))
          .optional_keyword("MAX_OUTSTANDING_R2T", max_r2t, in_range<std::uint32_t>(1, 65535))
          .optional_keyword("FILE_THREADS", file_threads_, in_range<std::uint32_t>(1, 64))
          .done();
  if (!st) return st;

  luns_.clear();
  for (int i = 0; i < kMaxLuns; ++i) {
    const std::string& text = lun_text_[static_cast<std::size_t>(i)];
    if (text.empty()) continue;
    luns_.emplace_back(static_cast<std::uint64_t>(i), *parse_lun(text));
  }
  if (luns_.empty()) return Status::error("LUN0: at least one logical unit is needed");
  if (fbl > mbl) return Status::error("FIRST_BURST_LENGTH: must not exceed MAX_BURST_LENGTH");
  auto chap = credentials(chap_user, chap_secret, "CHAP_USER", "CHAP_SECRET");
  if (!chap) return chap.status();
  auto mutual = credentials(mutual_user, mutual_secret, "MUTUAL_USER", "MUTUAL_SECRET");
  if (!mutual) return mutual.status();
  if (!mutual_user.empty() && chap_user.empty())
    return Status::error("MUTUAL_USER: mutual CHAP needs CHAP_USER and CHAP_SECRET");
  if (discovery_auth && chap_user.empty())
    return Status::error("DISCOVERY_AUTH: needs CHAP_USER and CHAP_SECRET");
  if (!chap_user.empty()) config_.auth.chap = *chap;
  if (!mutual_user.empty()) config_.auth.mutual_chap = *mutual;
  if (discovery_auth) config_.discovery_auth = config_.auth;
  config_.portals = split_words(portal);
  pol.max_connections = max_connections;
  pol.immediate_data = immediate;
  pol.initial_r2t = initial_r2t;
  pol.max_recv_data_segment_length = static_cast<std::uint32_t>(mrdsl.value);
  pol.max_burst_length = static_cast<std::uint32_t>(mbl.value);
  pol.first_burst_length = static_cast<std::uint32_t>(fbl.value);
  pol.max_outstanding_r2t = max_r2t;
  return {};
}

namespace {

Result<std::shared_ptr<iscsi::LogicalUnit>> make_lu(
    const iscsi::TargetConfig& cfg, std::uint64_t n, const ISCSITarget::LunSpec& spec,
    std::uint32_t file_threads, const std::shared_ptr<iscsi::CompletionQueue>& cq) {
  iscsi::LuConfig lc = spec.lu;
  iscsi::BackendOptions bo;
  if (spec.size) bo.size_bytes = *spec.size;
  bo.granularity = lc.block_size << lc.lbppbe;
  bo.file_threads = file_threads;
  auto backend = iscsi::make_backend(spec.backend, bo, cq);
  if (!backend) return Status::error("LUN" + std::to_string(n) + ": " + backend.message());
  if ((*backend)->size_bytes() < lc.block_size)
    return Status::error("LUN" + std::to_string(n) + ": smaller than one block");
  // Identifiers unique per (target, LUN), stable across restarts.
  const std::uint64_t h = fnv1a(cfg.name);
  if (lc.serial.empty()) {
    char serial[24];
    std::snprintf(serial, sizeof serial, "PB%08X%04X", static_cast<unsigned>(h >> 32),
                  static_cast<unsigned>(n));
    lc.serial = serial;
  }
  lc.naa = (h & ~0xFFFFull) | n;
  lc.target_name = cfg.name;
  return std::make_shared<iscsi::LogicalUnit>(lc, std::move(*backend), cq);
}

}  // namespace

Status ISCSITarget::initialize() {
  cq_ = std::make_shared<iscsi::CompletionQueue>();
  if (cq_->fd() < 0) return Status::error(std::string("eventfd: ") + std::strerror(errno));
  target_ = std::make_unique<iscsi::Target>(config_, cq_);
  for (const auto& [n, lun_spec] : luns_) {
    auto lu = make_lu(config_, n, lun_spec, file_threads_, cq_);
    if (!lu) return lu.status();
    if (auto st = target_->add_lun(n, *lu); !st) return st;
  }
  task_.attach(scheduler(), false);
  return watch_.watch(scheduler(), cq_->fd(), EPOLLIN, task_);
}

void ISCSITarget::cleanup() {
  watch_.unwatch();
  task_.detach();
  // Connections first (their tasks are forgotten), then completions still queued, then the LUs
  // (whose worker threads finish what they started).
  conns_.clear();
  if (cq_)
    while (cq_->pending()) cq_->run();
  target_.reset();
  cq_.reset();
}

ISCSITarget::Conn& ISCSITarget::open(std::uint32_t id, std::string_view portal) {
  conns_.erase(id);  // a reused id starts clean
  Conn c;
  c.conn = std::make_unique<iscsi::Connection>(*target_, std::string(portal));
  c.conn->set_external_framing(true);
  c.conn->set_wakeup([this, id] { mark_dirty(id); });
  return conns_.emplace(id, std::move(c)).first->second;
}

void ISCSITarget::mark_dirty(std::uint32_t id) {
  dirty_.push_back(id);
  // Inside push() and the task, flush() follows; anything else needs the task.
  if (!in_push_) task_.wake();
}

void ISCSITarget::receive(std::uint32_t id, const Packet& p) {
  auto it = conns_.find(id);
  if (it == conns_.end()) {  // never opened, or already closed
    ++unknown_;
    return;
  }
  Conn& c = it->second;
  iscsi::PduView v;
  v.bhs = iscsi::pdu_bhs(p);
  const std::size_t ahs = std::min<std::size_t>(v.bhs.ahs_length(), p.length());
  v.ahs = std::span<const std::uint8_t>(p.data(), ahs);
  v.data = std::span<const std::uint8_t>(p.data() + ahs, p.length() - ahs);
  const iscsi::PduAnno pa = iscsi::pdu_anno(p);
  std::optional<iscsi::RejectReason> reject;
  if (pa.flags & iscsi::kPduReject) reject = static_cast<iscsi::RejectReason>(pa.reject_reason);
  const std::uint8_t op = v.bhs.opcode();
  if (op == static_cast<std::uint8_t>(iscsi::Opcode::scsi_command) ||
      op == static_cast<std::uint8_t>(iscsi::Opcode::scsi_data_out))
    bytes_written_ += v.data.size();
  // A write whose data all came with the command: the target may keep this packet's bytes
  // (a clone shares them) and hand them to the back end without copying.
  if (op == static_cast<std::uint8_t>(iscsi::Opcode::scsi_command) && !v.data.empty() && !reject &&
      v.data.size() == iscsi::ScsiCommand::decode(v.bhs).expected_data_length)
    v.keep = std::make_shared<PacketPtr>(p.clone());
  if (auto st = c.conn->receive_pdu(v, reject, reject ? "malformed PDU" : ""); !st) ++dropped_;
  mark_dirty(id);
}

void ISCSITarget::emit(std::uint32_t id, iscsi::Connection& c, iscsi::OutPdu&& pdu) {
  const auto data = pdu.data();
  const auto n = static_cast<std::uint32_t>(data.size());
  PacketPtr p;
  if (!pdu.ahs.empty() || (n != 0 && n <= kCopyLimit) ||
      (pdu.view.data() != nullptr && !pdu.keep)) {
    const auto len = static_cast<std::uint32_t>(pdu.ahs.size()) + n;
    p = Packet::make(len, 0);
    std::uint8_t* w = p->writable_data();
    if (!pdu.ahs.empty()) std::memcpy(w, pdu.ahs.data(), pdu.ahs.size());
    if (n != 0) std::memcpy(w + pdu.ahs.size(), data.data(), n);
  } else if (n == 0) {
    p = Packet::make(std::uint32_t{0}, 0);
  } else if (pdu.view.data() != nullptr) {
    // Data-In straight from the back end's buffer: the packet keeps the buffer alive.
    auto* keep = new std::shared_ptr<const void>(std::move(pdu.keep));
    p = Packet::wrap(const_cast<std::uint8_t*>(data.data()), n, 0, n, {release_keep, keep, 0},
                     true);
  } else {
    auto* v = new std::vector<std::uint8_t>(std::move(pdu.owned));
    p = Packet::wrap(v->data(), n, 0, n, {release_vector, v, 0}, true);
  }
  iscsi::set_pdu_bhs(*p, pdu.bhs);
  net::set_stream_anno(*p, {id, StreamEvent::kData, 0, 0});
  const std::uint8_t op = pdu.bhs.opcode();
  if (op == static_cast<std::uint8_t>(iscsi::Opcode::scsi_data_in)) bytes_read_ += n;
  if (op == static_cast<std::uint8_t>(iscsi::Opcode::login_response)) {
    const auto r = iscsi::LoginResponse::decode(pdu.bhs);
    if (r.transit && r.nsg == 3 && r.status_class == 0) {
      // The framer switches to the negotiated digests after this PDU.
      const auto& params = c.params();
      iscsi::PduAnno pa;
      pa.flags = iscsi::kPduSetDigests | (params.header_digest ? iscsi::kPduHeaderDigest : 0) |
                 (params.data_digest ? iscsi::kPduDataDigest : 0);
      pa.max_recv_data_segment_length = params.target_max_recv_data_segment_length;
      iscsi::set_pdu_anno(*p, pa);
    }
  }
  out_.add(std::move(p));
}

void ISCSITarget::flush() {
  while (!dirty_.empty()) {
    auto ids = std::exchange(dirty_, {});
    for (std::uint32_t id : ids) {
      auto it = conns_.find(id);
      if (it == conns_.end()) continue;
      iscsi::Connection& c = *it->second.conn;
      if (!c.tx().empty())
        for (auto& pdu : c.tx().take_all()) emit(id, c, std::move(pdu));
      if (c.closing()) {
        out_.add(net::make_stream_packet(id, StreamEvent::kClose));
        conns_.erase(it);  // may end the session, which marks its other connections dirty
      }
    }
  }
  out_.flush(output(0));
}

void ISCSITarget::push(int, Batch&& b) {
  in_push_ = true;
  for (Packet& p : b) {
    const net::StreamAnno a = net::stream_anno(p);
    switch (a.event) {
      case StreamEvent::kOpen: {
        const std::string_view text(reinterpret_cast<const char*>(p.data()), p.length());
        open(a.connection, text.substr(0, text.find(' ')));
        break;
      }
      case StreamEvent::kClose: {
        auto it = conns_.find(a.connection);
        if (it != conns_.end()) {
          it->second.conn->transport_closed();
          conns_.erase(it);
        }
        break;
      }
      case StreamEvent::kData:
        receive(a.connection, p);
        break;
    }
  }
  b.clear();  // what must live on was copied, or kept by a clone
  in_push_ = false;
  flush();
}

bool ISCSITarget::run_task() {
  in_push_ = true;  // completions mark connections dirty; flush() below sends
  const std::size_t n = cq_ ? cq_->run() : 0;
  in_push_ = false;
  flush();
  return n > 0;
}

void ISCSITarget::take_state(ISCSITarget& old) {
  if (!old.target_ || old.target_->config().name != config_.name) return;  // another target
  watch_.unwatch();
  // Our freshly built target (no sessions) goes; the old one, with everything in flight, stays.
  conns_.clear();
  target_.reset();
  cq_ = std::move(old.cq_);
  target_ = std::move(old.target_);
  conns_ = std::move(old.conns_);
  old.conns_.clear();
  for (auto& [id, c] : conns_) c.conn->set_wakeup([this, cid = id] { mark_dirty(cid); });
  for (const auto& [n, lun_spec] : luns_) {
    if (target_->lun(n)) continue;
    auto lu = make_lu(target_->config(), n, lun_spec, file_threads_, cq_);
    Status st = lu ? target_->add_lun(n, *lu) : lu.status();
    if (!st)
      std::fprintf(stderr, "%s: hot-swap: %s\n", declaration().c_str(), st.message().c_str());
  }
  bytes_read_ = old.bytes_read_;
  bytes_written_ = old.bytes_written_;
  dropped_ = old.dropped_;
  unknown_ = old.unknown_;
  if (auto st = watch_.watch(scheduler(), cq_->fd(), EPOLLIN, task_); !st)
    std::fprintf(stderr, "%s: hot-swap: %s\n", declaration().c_str(), st.message().c_str());
  task_.wake();
}

void ISCSITarget::add_handlers(Handlers& h) {
  auto stats = [this] { return target_ ? target_->stats() : iscsi::TargetStats{}; };
  h.read("sessions",
         [this] { return static_cast<std::uint64_t>(target_ ? target_->session_count() : 0); });
  h.read("connections", [this] { return static_cast<std::uint64_t>(conns_.size()); });
  h.read("session_list", [this] {
    std::string s;
    if (!target_) return s;
    for (const iscsi::Session* ss : target_->session_list())
      s += std::to_string(ss->tsih()) + " " + ss->initiator() +
           (ss->discovery() ? " discovery" : "") +
           " connections=" + std::to_string(ss->connections().size()) + "\n";
    return s;
  });
  h.read("luns", [this] {
    std::string s;
    if (!target_) return s;
    for (const auto& [n, lu] : target_->luns()) {
      const auto& c = lu->config();
      s += std::to_string(n) + " " + lu->backend().describe() + " " +
           std::to_string(lu->block_count()) + " x " + std::to_string(c.block_size) +
           (c.read_only ? " read-only" : "") + (c.removable ? " removable" : "") +
           (c.thin ? " thin" : "") + "\n";
    }
    return s;
  });
  h.read("commands", [stats] { return stats().commands; });
  h.read("in_flight", [this] {
    std::uint64_t n = 0;
    for (const auto& [id, c] : conns_) n += c.conn->tasks();
    return n;
  });
  h.read("bytes_read", bytes_read_);
  h.read("bytes_written", bytes_written_);
  h.read("pdus_in", [stats] { return stats().pdus_in; });
  h.read("pdus_out", [stats] { return stats().pdus_out; });
  h.read("rejects", [stats] { return stats().rejects; });
  h.read("logins", [stats] { return stats().logins; });
  h.read("login_failures", [stats] { return stats().login_failures; });
  h.read("dropped", dropped_);
  h.read("unknown", unknown_);
}

}  // namespace pb::elements
