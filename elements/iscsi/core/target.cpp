#include "elements/iscsi/core/target.hpp"

#include <algorithm>
#include <cstring>

namespace pb::iscsi {

namespace {

constexpr std::uint8_t kStageSecurity = 0;
constexpr std::uint8_t kStageOperational = 1;
constexpr std::uint8_t kStageFullFeature = 3;

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

std::string hex16(std::uint16_t v) {
  const std::uint8_t b[2] = {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
  return hex(b);
}

}  // namespace

std::optional<std::uint64_t> decode_lun(std::uint64_t field) {
  const std::uint8_t method = static_cast<std::uint8_t>(field >> 62);
  const std::uint64_t rest = field & 0x0000FFFFFFFFFFFFull;  // levels below the first
  if (rest != 0) return std::nullopt;
  const std::uint16_t first = static_cast<std::uint16_t>(field >> 48);
  if (method == 0) {
    if ((first >> 8) != 0) return std::nullopt;  // bus identifier must be 0
    return first & 0xFF;
  }
  if (method == 1) return first & 0x3FFF;
  return std::nullopt;
}

std::uint64_t encode_lun(std::uint64_t lun) {
  if (lun < 256) return lun << 48;
  return (0x4000ull | (lun & 0x3FFF)) << 48;
}

// ---- Target ------------------------------------------------------------------------------------

Target::Target(TargetConfig config, std::shared_ptr<CompletionQueue> cq)
    : config_(std::move(config)), cq_(std::move(cq)) {}

Target::~Target() {
  // Connections outlive the target only by mistake; detach them so they do not touch it.
  for (auto* c : all_connections()) {
    c->session_ = nullptr;
    c->phase_ = Connection::Phase::closed;
    c->closing_ = true;
  }
}

Status Target::add_lun(std::uint64_t lun, std::shared_ptr<LogicalUnit> lu) {
  if (lun > 0x3FFF) return Status::error("LUN " + std::to_string(lun) + " out of range (0-16383)");
  if (!lu) return Status::error("LUN " + std::to_string(lun) + ": no logical unit");
  if (!luns_.emplace(lun, std::move(lu)).second)
    return Status::error("LUN " + std::to_string(lun) + " defined twice");
  return Status::ok();
}

std::shared_ptr<LogicalUnit> Target::lun(std::uint64_t lun) const {
  auto it = luns_.find(lun);
  return it == luns_.end() ? nullptr : it->second;
}

Session* Target::find_session(std::uint16_t tsih) {
  auto it = sessions_.find(tsih);
  return it == sessions_.end() ? nullptr : it->second.get();
}

Session* Target::find_session(const std::string& initiator, const Isid& isid) {
  for (auto& [tsih, s] : sessions_)
    if (s->initiator_ == initiator && s->isid_ == isid) return s.get();
  return nullptr;
}

Session* Target::create_session(const std::string& initiator, const Isid& isid, bool discovery) {
  // TSIH 0 is reserved; skip values still in use after wrap-around.
  while (next_tsih_ == 0 || sessions_.count(next_tsih_)) ++next_tsih_;
  const std::uint16_t tsih = next_tsih_++;
  auto s = std::make_unique<Session>(*this, tsih, initiator, isid, discovery);
  Session* raw = s.get();
  sessions_.emplace(tsih, std::move(s));
  return raw;
}

void Target::destroy_session(Session* s) {
  if (s == nullptr) return;
  for (Connection* c : s->connections_) {
    c->session_ = nullptr;
    c->tasks_.clear();
    c->phase_ = Connection::Phase::closed;
    c->closing_ = true;
    c->wake();
  }
  s->connections_.clear();
  if (!s->discovery_)
    for (auto& [n, lu] : luns_) lu->nexus_lost(*s->nexus_);
  sessions_.erase(s->tsih_);
}

std::vector<const Session*> Target::session_list() const {
  std::vector<const Session*> out;
  for (const auto& [tsih, s] : sessions_) out.push_back(s.get());
  return out;
}

std::vector<Connection*> Target::all_connections() const {
  std::vector<Connection*> out;
  for (const auto& [tsih, s] : sessions_)
    out.insert(out.end(), s->connections_.begin(), s->connections_.end());
  return out;
}

void Target::close_all_connections() {
  for (Connection* c : all_connections()) {
    c->closing_ = true;
    c->wake();
  }
}

// ---- Session -----------------------------------------------------------------------------------

Session::Session(Target& target, std::uint16_t tsih, std::string initiator, Isid isid,
                 bool discovery)
    : tsih_(tsih),
      initiator_(std::move(initiator)),
      isid_(isid),
      discovery_(discovery),
      window_(std::max<std::uint32_t>(1, target.config().cmd_window)) {
  nexus_ = std::make_shared<ItNexus>();
  nexus_->initiator_name = initiator_;
  nexus_->initiator_port = initiator_ + ",i,0x" + hex(isid_);
  nexus_->target_port = target.config().name + ",t,0x" + hex16(target.config().portal_group_tag);
  nexus_->relative_target_port = target.config().portal_group_tag;
}

Session::~Session() = default;

// ---- Connection: tasks -------------------------------------------------------------------------

struct Connection::Tmf {
  std::uint32_t itt = 0;
  std::uint8_t response = 0;
  std::size_t pending = 0;
  bool cold_reset = false;
  bool sent = false;
  Connection* conn = nullptr;
  std::weak_ptr<bool> alive;
};

struct Connection::Task {
  std::uint64_t id = 0;
  ScsiCommand cmd;
  std::uint64_t lun = 0;
  bool lun_valid = false;
  std::shared_ptr<LogicalUnit> lu;
  Buffer out;
  std::uint32_t received = 0;
  // Unsolicited data: [immediate, unsolicited_end) arrives with TTT 0xffffffff.
  std::uint32_t unsolicited_end = 0;
  std::uint32_t unsolicited_next = 0;  // next expected offset
  std::uint32_t unsolicited_data_sn = 0;
  // Solicited data.
  struct R2tState {
    std::uint32_t ttt;
    std::uint32_t offset;
    std::uint32_t length;
    std::uint32_t received = 0;
    std::uint32_t data_sn = 0;
  };
  std::vector<R2tState> r2ts;
  std::uint32_t next_r2t_offset = 0;
  std::uint32_t r2t_sn = 0;
  bool executing = false;
  bool aborted = false;
  std::shared_ptr<Tmf> tmf;
};

Connection::Connection(Target& target, std::string portal)
    : target_(target),
      portal_(std::move(portal)),
      negotiator_(std::make_unique<Negotiator>(target.config().policy, true)) {}

Connection::~Connection() {
  transport_closed();
  *alive_ = false;
}

void Connection::wake() {
  if (!in_receive_ && wakeup_) wakeup_();
}

void Connection::transport_closed() {
  if (phase_ == Phase::closed && session_ == nullptr) {
    tasks_.clear();
    return;
  }
  phase_ = Phase::closed;
  closing_ = true;
  tasks_.clear();
  if (Session* s = session_) {
    session_ = nullptr;
    for (auto it = s->held_.begin(); it != s->held_.end();)
      it = it->second.first == this ? s->held_.erase(it) : std::next(it);
    auto& cs = s->connections_;
    cs.erase(std::remove(cs.begin(), cs.end(), this), cs.end());
    if (cs.empty()) target_.destroy_session(s);
  }
}

std::uint32_t Connection::exp_cmd_sn() const {
  return session_ ? session_->exp_cmd_sn_ : login_first_.cmd_sn;
}

std::uint32_t Connection::max_cmd_sn() const {
  return session_
             ? session_->max_cmd_sn()
             : login_first_.cmd_sn + std::max<std::uint32_t>(1, target_.config().cmd_window) - 1;
}

void Connection::send(OutPdu pdu) {
  encode_pdu(pdu, digests_);
  tx_.push(std::move(pdu));
  ++target_.stats_.pdus_out;
}

void Connection::apply_digests() {
  const auto& p = negotiator_->params();
  // With external framing the transport adds digests (it knows them from params()).
  if (!external_framing_) digests_ = {p.header_digest, p.data_digest};
  FramerLimits l = framer_.limits();
  l.header_digest = p.header_digest;
  l.data_digest = p.data_digest;
  l.max_recv_data_segment_length = p.target_max_recv_data_segment_length;
  framer_.set_limits(l);
}

Status Connection::receive(std::span<const std::uint8_t> bytes) {
  in_receive_ = true;
  Status result;
  while (!bytes.empty() && !closing_) {
    auto r = framer_.next(bytes);
    if (!r) {
      closing_ = true;
      result = r.status();
      break;
    }
    if (!r->has_value()) break;
    ++target_.stats_.pdus_in;
    const Received& rx = **r;
    if (auto st = handle({rx.pdu.bhs, rx.pdu.ahs, rx.data(), {}}, rx.reject, rx.why); !st) {
      closing_ = true;
      result = st;
      break;
    }
  }
  in_receive_ = false;
  return result;
}

Status Connection::receive_pdu(const PduView& pdu, std::optional<RejectReason> reject,
                               std::string_view why) {
  if (closing_) return Status::ok();
  in_receive_ = true;
  ++target_.stats_.pdus_in;
  Status st = handle(pdu, reject, why);
  if (!st) closing_ = true;
  in_receive_ = false;
  return st;
}

Status Connection::handle(const PduView& pdu, std::optional<RejectReason> reject,
                          std::string_view why) {
  if (reject) {
    if (phase_ == Phase::login)
      return Status::error("malformed PDU during login: " + std::string(why));
    // A data digest error on a command is answered with Reject; the initiator retries or fails it.
    send_reject(pdu.bhs, *reject);
    return Status::ok();
  }
  if (phase_ == Phase::login) return handle_login(pdu);
  if (phase_ == Phase::full_feature) handle_full_feature(pdu);
  return Status::ok();
}

void Connection::send_reject(const Bhs& bad, RejectReason reason) {
  ++target_.stats_.rejects;
  Reject rj;
  rj.reason = static_cast<std::uint8_t>(reason);
  rj.stat_sn = next_stat_sn();
  rj.exp_cmd_sn = exp_cmd_sn();
  rj.max_cmd_sn = max_cmd_sn();
  OutPdu p;
  p.bhs = rj.encode();
  p.owned.assign(bad.b.begin(), bad.b.end());
  send(std::move(p));
}

// ---- login -------------------------------------------------------------------------------------

void Connection::login_fail(const LoginRequest& req, LoginStatus status) {
  ++target_.stats_.login_failures;
  LoginResponse rsp;
  rsp.csg = req.csg;
  rsp.nsg = req.nsg;
  rsp.isid = req.isid;
  rsp.tsih = req.tsih;
  rsp.itt = req.itt;
  rsp.stat_sn = next_stat_sn();
  rsp.exp_cmd_sn = exp_cmd_sn();
  rsp.max_cmd_sn = max_cmd_sn();
  rsp.status_class = status.status_class;
  rsp.status_detail = status.detail;
  OutPdu p;
  p.bhs = rsp.encode();
  send(std::move(p));
  closing_ = true;
}

Status Connection::handle_login(const PduView& pdu) {
  if (pdu.bhs.opcode() != static_cast<std::uint8_t>(Opcode::login_request)) {
    // Anything but a Login Request before full feature phase: refuse and close (RFC 7143 §6.3).
    LoginRequest fake;
    fake.itt = pdu.bhs.itt();
    login_fail(fake, kLoginInvalidDuringLogin);
    return Status::ok();
  }
  const LoginRequest req = LoginRequest::decode(pdu.bhs);
  if (first_login_pdu_) {
    first_login_pdu_ = false;
    login_first_ = req;
    stat_sn_ = req.exp_stat_sn;
    cid_ = req.cid;
    isid_ = req.isid;
    tsih_ = req.tsih;
    login_stage_ = req.csg;
    ++target_.stats_.logins;
  } else if (req.isid != isid_ || req.tsih != tsih_ || req.cid != cid_) {
    login_fail(req, kLoginInitiatorError);
    return Status::ok();
  }
  if (req.version_min > 0) return login_fail(req, kLoginUnsupportedVersion), Status::ok();
  if (req.csg == 2 || req.csg == kStageFullFeature ||
      (req.transit && (req.nsg == 2 || req.nsg <= req.csg)) || req.csg < login_stage_) {
    login_fail(req, kLoginInitiatorError);
    return Status::ok();
  }
  login_stage_ = req.csg;

  // Text may be continued over several PDUs (C bit): gather, answer with an empty response.
  login_text_.insert(login_text_.end(), pdu.data.begin(), pdu.data.end());
  if (login_text_.size() > 65536) return login_fail(req, kLoginOutOfResources), Status::ok();
  auto respond = [&](bool transit, std::uint8_t nsg, std::vector<std::uint8_t> text,
                     bool final_stage) {
    LoginResponse rsp;
    rsp.transit = transit;
    rsp.csg = req.csg;
    rsp.nsg = transit ? nsg : 0;
    rsp.isid = req.isid;
    rsp.tsih = final_stage ? tsih_ : req.tsih;
    rsp.itt = req.itt;
    rsp.stat_sn = next_stat_sn();
    rsp.exp_cmd_sn = exp_cmd_sn();
    rsp.max_cmd_sn = max_cmd_sn();
    OutPdu p;
    p.bhs = rsp.encode();
    p.owned = std::move(text);
    send(std::move(p));
  };
  if (req.cont) {
    respond(false, 0, {}, false);
    return Status::ok();
  }
  auto kv = parse_text(login_text_);
  login_text_.clear();
  if (!kv) return login_fail(req, kLoginInitiatorError), Status::ok();

  // First request of the login: who is asking for what.
  const bool first = initiator_name_.empty();
  if (first) {
    std::string session_type = "Normal";
    std::string target_name;
    for (const auto& p : *kv) {
      if (p.key == "InitiatorName")
        initiator_name_ = p.value;
      else if (p.key == "SessionType")
        session_type = p.value;
      else if (p.key == "TargetName")
        target_name = p.value;
    }
    if (initiator_name_.empty()) return login_fail(req, kLoginMissingParameter), Status::ok();
    const bool discovery = session_type == "Discovery";
    if (!discovery && session_type != "Normal")
      return login_fail(req, kLoginSessionTypeUnsupported), Status::ok();
    if (!discovery) {
      if (target_name.empty()) return login_fail(req, kLoginMissingParameter), Status::ok();
      if (target_name != target_.config().name)
        return login_fail(req, kLoginNotFound), Status::ok();
    }
    bool leading = req.tsih == 0;
    if (!leading) {
      Session* s = target_.find_session(req.tsih);
      if (s == nullptr || s->initiator_ != initiator_name_ || s->isid_ != req.isid ||
          s->discovery_ != discovery)
        return login_fail(req, kLoginSessionDoesNotExist), Status::ok();
      const bool replaces = std::any_of(s->connections_.begin(), s->connections_.end(),
                                        [&](Connection* c) { return c->cid_ == req.cid; });
      if (!replaces && s->connections_.size() >= s->params_.max_connections)
        return login_fail(req, kLoginTooManyConnections), Status::ok();
    }
    negotiator_ = std::make_unique<Negotiator>(target_.config().policy, leading);
    negotiator_->set_discovery(discovery);
    negotiator_->set_auth(discovery ? target_.config().discovery_auth : target_.config().auth);
  }

  const Stage stage = req.csg == kStageSecurity ? Stage::security : Stage::operational;
  auto step = negotiator_->process(*kv, stage);
  if (!step.status.ok()) return login_fail(req, step.status), Status::ok();
  // An initiator that skips the security stage cannot pass when authentication is required.
  if (req.csg == kStageOperational && !negotiator_->may_leave_security())
    return login_fail(req, kLoginAuthFailure), Status::ok();
  KeyValues out = std::move(step.response);
  if (!sent_tpgt_ && !negotiator_->params().discovery) {
    out.push_back({"TargetPortalGroupTag", std::to_string(target_.config().portal_group_tag)});
    if (!target_.config().alias.empty()) out.push_back({"TargetAlias", target_.config().alias});
    sent_tpgt_ = true;
  }

  bool transit = req.transit;
  if (transit && req.csg == kStageSecurity && !negotiator_->may_leave_security()) transit = false;
  const bool to_ffp = transit && req.nsg == kStageFullFeature;
  if (to_ffp && req.csg == kStageSecurity) {
    // The operational stage was skipped: declare our receive limit now.
    out.push_back({"MaxRecvDataSegmentLength",
                   std::to_string(target_.config().policy.max_recv_data_segment_length)});
  }
  if (!to_ffp) {
    respond(transit, req.nsg, encode_text(out), false);
    return Status::ok();
  }

  // Login complete: join or create the session.
  negotiator_->finish();
  Session* s = nullptr;
  if (req.tsih == 0) {
    if (Session* old = target_.find_session(initiator_name_, req.isid))
      target_.destroy_session(old);  // reinstatement
    if (target_.sessions_.size() >= target_.config().max_sessions)
      return login_fail(req, kLoginOutOfResources), Status::ok();
    s = target_.create_session(initiator_name_, req.isid, negotiator_->params().discovery);
    s->params_ = negotiator_->params();
    s->exp_cmd_sn_ = login_first_.cmd_sn;
  } else {
    s = target_.find_session(req.tsih);
    if (s == nullptr) return login_fail(req, kLoginSessionDoesNotExist), Status::ok();
    // Connection reinstatement: the old connection with this CID goes away.
    for (Connection* c : std::vector<Connection*>(s->connections_)) {
      if (c->cid_ == req.cid) {
        c->closing_ = true;
        c->tasks_.clear();
        c->session_ = nullptr;
        c->phase_ = Phase::closed;
        auto& cs = s->connections_;
        cs.erase(std::remove(cs.begin(), cs.end(), c), cs.end());
        c->wake();
      }
    }
    // Session-wide values come from the leading connection.
    SessionParams merged = s->params_;
    const auto& mine = negotiator_->params();
    merged.header_digest = mine.header_digest;
    merged.data_digest = mine.data_digest;
    merged.initiator_max_recv_data_segment_length = mine.initiator_max_recv_data_segment_length;
    merged.target_max_recv_data_segment_length = mine.target_max_recv_data_segment_length;
    negotiator_->params() = merged;
  }
  session_ = s;
  tsih_ = s->tsih_;
  s->connections_.push_back(this);
  respond(true, kStageFullFeature, encode_text(out), true);
  phase_ = Phase::full_feature;
  apply_digests();
  return Status::ok();
}

// ---- full feature phase ------------------------------------------------------------------------

void Connection::handle_full_feature(const PduView& pdu) {
  if (session_ == nullptr) return;
  const std::uint8_t op = pdu.bhs.opcode();
  switch (static_cast<Opcode>(op)) {
    case Opcode::scsi_data_out:
      return handle_data_out(pdu);
    case Opcode::snack_request:
      return send_reject(pdu.bhs, RejectReason::protocol_error);  // ErrorRecoveryLevel 0
    case Opcode::login_request:
      return send_reject(pdu.bhs, RejectReason::protocol_error);
    case Opcode::nop_out:
      if (pdu.bhs.itt() == kReservedTag) {
        // Answer to our ping, or a one-way ping: nothing to send, no CmdSN consumed.
        if (!pdu.bhs.immediate()) send_reject(pdu.bhs, RejectReason::protocol_error);
        return;
      }
      break;
    case Opcode::scsi_command:
      if (session_->discovery_) return send_reject(pdu.bhs, RejectReason::protocol_error);
      break;
    case Opcode::task_mgmt_request:
      if (session_->discovery_) return send_reject(pdu.bhs, RejectReason::protocol_error);
      break;
    case Opcode::text_request:
    case Opcode::logout_request:
      break;
    default:
      return send_reject(pdu.bhs, RejectReason::command_not_supported);
  }
  if (!check_cmd_sn(pdu.bhs, &pdu)) return;
  deliver(pdu);
  // Commands that were waiting for this one.
  Session* s = session_;
  while (s != nullptr && !s->held_.empty() && s->held_.begin()->first == s->exp_cmd_sn_) {
    auto node = s->held_.extract(s->held_.begin());
    Connection* c = node.mapped().first;
    ++s->exp_cmd_sn_;
    c->deliver(PduView::of(node.mapped().second));
    c->wake();
    s = session_;
  }
}

bool Connection::check_cmd_sn(const Bhs& bhs, const PduView* pdu) {
  const std::uint32_t cmd_sn = load_be32(&bhs.b[24]);
  Session& s = *session_;
  if (bhs.immediate()) return true;  // immediate: delivered at once, CmdSN not advanced
  if (cmd_sn == s.exp_cmd_sn_) {
    ++s.exp_cmd_sn_;
    return true;
  }
  // Outside [ExpCmdSN, MaxCmdSN]: silently ignored (RFC 7143 §4.2.2.1).
  if (sn_lt(cmd_sn, s.exp_cmd_sn_) || sn_lt(s.max_cmd_sn(), cmd_sn)) return false;
  // Inside the window but ahead: hold until the gap fills (commands on other connections).
  if (pdu != nullptr && !s.held_.count(cmd_sn))
    s.held_.emplace(cmd_sn, std::make_pair(this, Pdu{pdu->bhs,
                                                     {pdu->ahs.begin(), pdu->ahs.end()},
                                                     {pdu->data.begin(), pdu->data.end()}}));
  return false;
}

void Connection::deliver(const PduView& pdu) {
  switch (static_cast<Opcode>(pdu.bhs.opcode())) {
    case Opcode::scsi_command:
      return handle_command(pdu);
    case Opcode::nop_out:
      return handle_nop_out(pdu);
    case Opcode::text_request:
      return handle_text(pdu);
    case Opcode::logout_request:
      return handle_logout(pdu);
    case Opcode::task_mgmt_request:
      return handle_tmf(pdu);
    default:
      return;
  }
}

void Connection::handle_nop_out(const PduView& pdu) {
  const NopOut req = NopOut::decode(pdu.bhs);
  NopIn rsp;
  rsp.lun = req.lun;
  rsp.itt = req.itt;
  rsp.ttt = kReservedTag;
  rsp.stat_sn = next_stat_sn();
  rsp.exp_cmd_sn = exp_cmd_sn();
  rsp.max_cmd_sn = max_cmd_sn();
  OutPdu p;
  p.bhs = rsp.encode();
  // Ping data comes back, bounded by what the initiator can receive.
  const std::size_t n =
      std::min<std::size_t>(pdu.data.size(), params().initiator_max_recv_data_segment_length);
  p.owned.assign(pdu.data.begin(), pdu.data.begin() + static_cast<std::ptrdiff_t>(n));
  send(std::move(p));
}

void Connection::handle_text(const PduView& pdu) {
  const TextRequest req = TextRequest::decode(pdu.bhs);
  auto reply = [&](bool final, bool cont, std::uint32_t ttt, std::vector<std::uint8_t> data) {
    TextResponse rsp;
    rsp.final = final;
    rsp.cont = cont;
    rsp.lun = req.lun;
    rsp.itt = req.itt;
    rsp.ttt = ttt;
    rsp.stat_sn = next_stat_sn();
    rsp.exp_cmd_sn = exp_cmd_sn();
    rsp.max_cmd_sn = max_cmd_sn();
    OutPdu p;
    p.bhs = rsp.encode();
    p.owned = std::move(data);
    send(std::move(p));
  };
  auto send_chunk = [&] {
    const std::size_t max = params().initiator_max_recv_data_segment_length;
    const std::size_t n = std::min(max, text_out_.size() - text_out_pos_);
    std::vector<std::uint8_t> chunk(
        text_out_.begin() + static_cast<std::ptrdiff_t>(text_out_pos_),
        text_out_.begin() + static_cast<std::ptrdiff_t>(text_out_pos_ + n));
    text_out_pos_ += n;
    if (text_out_pos_ < text_out_.size()) {
      text_ttt_ = next_ttt_++;
      if (text_ttt_ == kReservedTag) text_ttt_ = next_ttt_++;
      reply(false, true, text_ttt_, std::move(chunk));
    } else {
      text_out_.clear();
      text_out_pos_ = 0;
      text_ttt_ = kReservedTag;
      reply(true, false, kReservedTag, std::move(chunk));
    }
  };
  // Continuation of a long answer of ours.
  if (req.ttt != kReservedTag) {
    if (req.ttt == text_ttt_ && !text_out_.empty()) return send_chunk();
    return send_reject(pdu.bhs, RejectReason::invalid_pdu_field);
  }
  text_out_.clear();
  text_out_pos_ = 0;
  text_in_.insert(text_in_.end(), pdu.data.begin(), pdu.data.end());
  if (text_in_.size() > 65536) {
    text_in_.clear();
    return send_reject(pdu.bhs, RejectReason::protocol_error);
  }
  if (req.cont) {
    text_ttt_ = next_ttt_++;
    return reply(false, false, text_ttt_, {});
  }
  auto kv = parse_text(text_in_);
  text_in_.clear();
  if (!kv) return send_reject(pdu.bhs, RejectReason::protocol_error);
  KeyValues answer;
  KeyValues others;
  for (auto& p : *kv) {
    if (p.key != "SendTargets") {
      others.push_back(std::move(p));
      continue;
    }
    const auto& cfg = target_.config();
    const bool all = p.value == "All";
    const bool mine = p.value == cfg.name || (p.value.empty() && !session_->discovery_);
    if (all && !session_->discovery_) {
      answer.push_back({"SendTargets", "Reject"});
      continue;
    }
    if (all || mine) {
      answer.push_back({"TargetName", cfg.name});
      std::vector<std::string> portals = cfg.portals;
      if (portals.empty() && !portal_.empty()) portals.push_back(portal_);
      for (const auto& addr : portals)
        answer.push_back({"TargetAddress", addr + "," + std::to_string(cfg.portal_group_tag)});
    }
  }
  if (!others.empty()) {
    negotiator_->reset_round();
    auto step = negotiator_->process(others, Stage::full_feature);
    for (auto& a : step.response) answer.push_back(std::move(a));
    // A new MaxRecvDataSegmentLength from the initiator limits what we send from now on.
  }
  text_out_ = encode_text(answer);
  send_chunk();
}

void Connection::handle_logout(const PduView& pdu) {
  const LogoutRequest req = LogoutRequest::decode(pdu.bhs);
  LogoutResponse rsp;
  rsp.itt = req.itt;
  Session* s = session_;
  switch (req.reason) {
    case static_cast<std::uint8_t>(LogoutReason::close_session):
      rsp.response = 0;
      s->ending_ = true;
      for (Connection* c : s->connections_)
        if (c != this) {
          c->closing_ = true;
          c->wake();
        }
      closing_ = true;
      break;
    case static_cast<std::uint8_t>(LogoutReason::close_connection): {
      if (req.cid == cid_) {
        rsp.response = 0;
        closing_ = true;
        break;
      }
      auto it = std::find_if(s->connections_.begin(), s->connections_.end(),
                             [&](Connection* c) { return c->cid_ == req.cid; });
      if (it == s->connections_.end()) {
        rsp.response = 1;  // CID not found
      } else {
        (*it)->closing_ = true;
        (*it)->wake();
        rsp.response = 0;
      }
      break;
    }
    case static_cast<std::uint8_t>(LogoutReason::remove_connection):
      rsp.response = 2;  // connection recovery is not supported (ErrorRecoveryLevel 0)
      break;
    default:
      return send_reject(pdu.bhs, RejectReason::protocol_error);
  }
  rsp.stat_sn = next_stat_sn();
  rsp.exp_cmd_sn = exp_cmd_sn();
  rsp.max_cmd_sn = max_cmd_sn();
  rsp.time2wait = static_cast<std::uint16_t>(params().default_time2wait);
  rsp.time2retain = static_cast<std::uint16_t>(params().default_time2retain);
  OutPdu p;
  p.bhs = rsp.encode();
  send(std::move(p));
}

// ---- SCSI commands -----------------------------------------------------------------------------

void Connection::handle_command(const PduView& pdu) {
  ++target_.stats_.commands;
  const ScsiCommand cmd = ScsiCommand::decode(pdu.bhs);
  if (tasks_.count(cmd.itt)) {
    // ITT already in use on this connection: a protocol error (RFC 7143 §11.2.1.8).
    return send_reject(pdu.bhs, RejectReason::task_in_progress);
  }
  const auto& p = params();
  const std::uint32_t edtl = cmd.expected_data_length;
  const std::uint32_t imm = static_cast<std::uint32_t>(pdu.data.size());
  if (imm > 0 && (!cmd.write || !p.immediate_data || imm > edtl || imm > p.first_burst_length))
    return send_reject(pdu.bhs, RejectReason::protocol_error);
  if (cmd.write && edtl > (64u << 20))  // a hostile EDTL must not make us allocate gigabytes
    return send_reject(pdu.bhs, RejectReason::protocol_error);

  auto t = std::make_unique<Task>();
  t->id = next_task_id_++;
  t->cmd = cmd;
  if (auto lun = decode_lun(cmd.lun)) {
    t->lun = *lun;
    t->lu = target_.lun(*lun);
    t->lun_valid = t->lu != nullptr;
  }
  if (cmd.write && edtl > 0 && imm == edtl && pdu.keep) {
    // All the data came with the command and the transport lets us keep its buffer: no copy.
    // The LU only reads data-out buffers.
    t->out.p =
        std::shared_ptr<std::uint8_t[]>(pdu.keep, const_cast<std::uint8_t*>(pdu.data.data()));
    t->out.n = imm;
  } else if (cmd.write && edtl > 0) {
    t->out = Buffer::allocate(edtl);
    if (imm) std::memcpy(t->out.data(), pdu.data.data(), imm);
  }
  if (cmd.write && edtl > 0) {
    t->received = imm;
    t->unsolicited_next = imm;
    // F set: no unsolicited Data-Out follows the command.
    t->unsolicited_end = (p.initial_r2t || cmd.final) ? imm : std::min(edtl, p.first_burst_length);
    if (t->unsolicited_end < imm) t->unsolicited_end = imm;
    t->next_r2t_offset = t->unsolicited_end;
  }
  Task& ref = *t;
  tasks_.emplace(cmd.itt, std::move(t));
  if (cmd.write && edtl > 0) send_r2ts(ref);
  maybe_execute(ref);
}

void Connection::send_r2ts(Task& t) {
  const auto& p = params();
  const std::uint32_t edtl = t.cmd.expected_data_length;
  while (t.next_r2t_offset < edtl && t.r2ts.size() < p.max_outstanding_r2t) {
    Task::R2tState r;
    r.ttt = next_ttt_++;
    if (r.ttt == kReservedTag) r.ttt = next_ttt_++;
    r.offset = t.next_r2t_offset;
    r.length = std::min(edtl - r.offset, p.max_burst_length);
    t.next_r2t_offset += r.length;
    t.r2ts.push_back(r);
    R2t pdu;
    pdu.lun = t.cmd.lun;
    pdu.itt = t.cmd.itt;
    pdu.ttt = r.ttt;
    pdu.stat_sn = stat_sn_;
    pdu.exp_cmd_sn = exp_cmd_sn();
    pdu.max_cmd_sn = max_cmd_sn();
    pdu.r2t_sn = t.r2t_sn++;
    pdu.buffer_offset = r.offset;
    pdu.desired_length = r.length;
    OutPdu out;
    out.bhs = pdu.encode();
    send(std::move(out));
  }
}

void Connection::handle_data_out(const PduView& pdu) {
  const DataOut d = DataOut::decode(pdu.bhs);
  auto it = tasks_.find(d.itt);
  if (it == tasks_.end() || it->second->executing || !it->second->cmd.write) return;  // stale: drop
  Task& t = *it->second;
  const std::uint32_t len = static_cast<std::uint32_t>(pdu.data.size());
  const std::uint32_t edtl = t.cmd.expected_data_length;
  if (d.buffer_offset > edtl || len > edtl - d.buffer_offset) {
    send_reject(pdu.bhs, RejectReason::protocol_error);
    return fail_task(t, {sense_key::kAbortedCommand, 0x0C, 0x0D});  // too much write data
  }
  if (d.ttt == kReservedTag) {
    // Unsolicited data, in order (DataPDUInOrder=Yes).
    if (d.data_sn != t.unsolicited_data_sn || d.buffer_offset != t.unsolicited_next ||
        d.buffer_offset + len > t.unsolicited_end)
      return fail_task(t,
                       {sense_key::kAbortedCommand, 0x47, 0x05});  // protocol service CRC/seq error
    ++t.unsolicited_data_sn;
    t.unsolicited_next += len;
  } else {
    auto r = std::find_if(t.r2ts.begin(), t.r2ts.end(),
                          [&](const Task::R2tState& s) { return s.ttt == d.ttt; });
    if (r == t.r2ts.end()) {
      send_reject(pdu.bhs, RejectReason::invalid_pdu_field);
      return;
    }
    if (d.data_sn != r->data_sn || d.buffer_offset != r->offset + r->received ||
        r->received + len > r->length)
      return fail_task(t, {sense_key::kAbortedCommand, 0x47, 0x05});
    ++r->data_sn;
    r->received += len;
    if (r->received == r->length) {
      t.r2ts.erase(r);
    }
  }
  if (len) std::memcpy(t.out.data() + d.buffer_offset, pdu.data.data(), len);
  t.received += len;
  if (!t.r2ts.empty() || t.next_r2t_offset < edtl) send_r2ts(t);
  maybe_execute(t);
}

void Connection::fail_task(Task& t, const Sense& s) {
  const std::uint32_t itt = t.cmd.itt;
  const auto sense = encode_sense(s, false);
  tasks_.erase(itt);
  respond_status(itt, scsi_status::kCheckCondition, sense, 0, false, false, 0);
}

void Connection::maybe_execute(Task& t) {
  if (t.executing) return;
  if (t.cmd.write && t.received < t.cmd.expected_data_length) return;
  execute(t);
}

void Connection::execute(Task& t) {
  t.executing = true;
  if (!t.lun_valid || (t.cmd.cdb[0] == 0xA0)) return answer_locally(t);  // REPORT LUNS, bad LUN
  ScsiRequest req;
  req.cdb = t.cmd.cdb;
  req.nexus = session_->nexus_;
  req.expected_length = t.cmd.expected_data_length;
  req.read = t.cmd.read;
  req.write = t.cmd.write;
  req.data_out = t.out;
  req.data_out.n = t.cmd.write ? t.received : 0;
  req.task_id = t.id;
  std::weak_ptr<bool> alive = alive_;
  const std::uint32_t itt = t.cmd.itt;
  const std::uint64_t id = t.id;
  // `t` may be gone when execute() returns: the LU can complete inline.
  t.lu->execute(std::move(req), [this, alive, itt, id](ScsiResult r) {
    auto a = alive.lock();
    if (!a || !*a) return;
    complete(itt, id, std::move(r));
    wake();
  });
}

void Connection::answer_locally(Task& t) {
  const auto& c = t.cmd.cdb;
  ScsiResult r;
  if (c[0] == 0xA0) {  // REPORT LUNS: the target knows its LUN inventory
    const std::uint32_t alloc = load_be32(&c[6]);
    if (alloc < 16) {
      r.status = scsi_status::kCheckCondition;
      r.sense = encode_sense(sense_invalid_field_in_cdb(6), false);
    } else {
      std::vector<std::uint8_t> d(8, 0);
      for (const auto& [lun, lu] : target_.luns()) {
        d.resize(d.size() + 8, 0);
        store_be64(&d[d.size() - 8], encode_lun(lun));
      }
      store_be32(&d[0], static_cast<std::uint32_t>(d.size() - 8));
      d.resize(std::min<std::size_t>(d.size(), alloc));
      r.data_in = Buffer::copy_of(d);
    }
  } else if (c[0] == 0x12) {  // INQUIRY to a LUN that does not exist: peripheral qualifier 3
    std::vector<std::uint8_t> d(36, 0);
    d[0] = 0x7F;
    d[2] = 0x06;
    d[3] = 0x12;
    d[4] = 31;
    d.resize(std::min<std::size_t>(d.size(), load_be16(&c[3])));
    r.data_in = Buffer::copy_of(d);
  } else if (c[0] == 0x03) {  // REQUEST SENSE
    auto s = encode_sense(sense_lun_not_supported(), c[1] & 1);
    s.resize(std::min<std::size_t>(s.size(), c[4]));
    r.data_in = Buffer::copy_of(s);
  } else {
    r.status = scsi_status::kCheckCondition;
    r.sense = encode_sense(sense_lun_not_supported(), false);
    if (t.cmd.write) r.wanted_out = t.cmd.expected_data_length;
  }
  complete(t.cmd.itt, t.id, std::move(r));
}

void Connection::complete(std::uint32_t itt, std::uint64_t id, ScsiResult result) {
  auto it = tasks_.find(itt);
  if (it == tasks_.end() || it->second->id != id) return;  // aborted and forgotten
  std::unique_ptr<Task> t = std::move(it->second);
  tasks_.erase(it);
  if (t->aborted) {
    if (t->tmf && --t->tmf->pending == 0) tmf_done(*t->tmf);
    return;
  }
  respond(*t, result);
}

void Connection::respond_status(std::uint32_t itt, std::uint8_t status,
                                const std::vector<std::uint8_t>& sense, std::uint32_t residual,
                                bool overflow, bool underflow, std::uint32_t exp_data_sn) {
  ScsiResponse rsp;
  rsp.itt = itt;
  rsp.status = status;
  rsp.overflow = overflow;
  rsp.underflow = underflow;
  rsp.residual = (overflow || underflow) ? residual : 0;
  rsp.stat_sn = next_stat_sn();
  rsp.exp_cmd_sn = exp_cmd_sn();
  rsp.max_cmd_sn = max_cmd_sn();
  rsp.exp_data_sn = exp_data_sn;
  OutPdu p;
  p.bhs = rsp.encode();
  if (!sense.empty()) {
    p.owned.resize(2 + sense.size());
    store_be16(p.owned.data(), static_cast<std::uint32_t>(sense.size()));
    std::memcpy(p.owned.data() + 2, sense.data(), sense.size());
  }
  send(std::move(p));
}

void Connection::respond(Task& t, ScsiResult& result) {
  const std::uint32_t edtl = t.cmd.expected_data_length;
  const std::size_t produced = result.data_in.size();
  std::uint32_t send_len = 0;
  bool overflow = false;
  bool underflow = false;
  std::uint32_t residual = 0;
  if (t.cmd.read) {
    send_len = static_cast<std::uint32_t>(std::min<std::size_t>(produced, edtl));
    if (produced > edtl) {
      overflow = true;
      residual = static_cast<std::uint32_t>(produced - edtl);
    } else if (produced < edtl) {
      underflow = true;
      residual = static_cast<std::uint32_t>(edtl - produced);
    }
  } else if (t.cmd.write) {
    const std::uint32_t wanted = result.wanted_out.value_or(edtl);
    if (wanted > edtl) {
      overflow = true;
      residual = wanted - edtl;
    } else if (wanted < edtl) {
      underflow = true;
      residual = edtl - wanted;
    }
  } else if (produced > 0) {
    overflow = true;  // data the initiator did not ask to receive
    residual = static_cast<std::uint32_t>(produced);
  }
  const bool good = result.status == scsi_status::kGood && result.sense.empty();
  std::uint32_t data_sn = 0;
  if (send_len > 0) {
    const auto& p = params();
    const std::uint32_t seg =
        std::max<std::uint32_t>(512, p.initiator_max_recv_data_segment_length);
    const std::uint32_t burst = std::max(seg, p.max_burst_length);
    std::uint32_t off = 0;
    std::uint32_t in_burst = 0;
    auto keep = std::shared_ptr<const void>(result.data_in.p, result.data_in.p.get());
    while (off < send_len) {
      const std::uint32_t n = std::min({seg, send_len - off, burst - in_burst});
      const bool last = off + n == send_len;
      DataIn d;
      d.lun = t.cmd.lun;
      d.itt = t.cmd.itt;
      d.ttt = kReservedTag;
      d.data_sn = data_sn++;
      d.buffer_offset = off;
      in_burst += n;
      d.final = last || in_burst == burst;
      if (in_burst == burst) in_burst = 0;
      if (last && good) {
        d.has_status = true;
        d.status = result.status;
        d.overflow = overflow;
        d.underflow = underflow;
        d.residual = residual;
        d.stat_sn = next_stat_sn();
      } else {
        d.stat_sn = stat_sn_;
      }
      d.exp_cmd_sn = exp_cmd_sn();
      d.max_cmd_sn = max_cmd_sn();
      OutPdu out;
      out.bhs = d.encode();
      out.view = std::span<const std::uint8_t>(result.data_in.data() + off, n);
      out.keep = keep;
      send(std::move(out));
      off += n;
    }
    if (good) return;
  }
  respond_status(t.cmd.itt, result.status, result.sense, residual, overflow, underflow, data_sn);
}

// ---- task management ---------------------------------------------------------------------------

void Connection::abort_task(Task& t, const std::shared_ptr<Tmf>& tmf) {
  if (t.executing && !LogicalUnit::outlives_task(t.cmd.cdb[0])) {
    // The back end cannot be stopped mid-I/O: the task is forgotten when it completes, and the
    // TMF answers only then, so the initiator never sees "aborted" before the I/O is over.
    t.aborted = true;
    if (tmf) {
      ++tmf->pending;
      t.tmf = tmf;
    }
    return;
  }
  // Not started yet, or an operation that goes on in the LU without its task (SANITIZE): the
  // task is forgotten now, its completion (if any) finds nothing.
  tasks_.erase(t.cmd.itt);
}

void Connection::tmf_done(Tmf& tmf) {
  if (tmf.sent) return;
  auto a = tmf.alive.lock();
  if (!a || !*a) return;
  Connection& c = *tmf.conn;
  tmf.sent = true;
  TaskMgmtResponse rsp;
  rsp.response = tmf.response;
  rsp.itt = tmf.itt;
  rsp.stat_sn = c.next_stat_sn();
  rsp.exp_cmd_sn = c.exp_cmd_sn();
  rsp.max_cmd_sn = c.max_cmd_sn();
  OutPdu p;
  p.bhs = rsp.encode();
  c.send(std::move(p));
  if (tmf.cold_reset) c.target_.close_all_connections();
  c.wake();
  // Forget the finished TMF.
  auto& v = c.tmfs_;
  v.erase(std::remove_if(v.begin(), v.end(),
                         [&](const std::shared_ptr<Tmf>& x) { return x.get() == &tmf; }),
          v.end());
}

void Connection::handle_tmf(const PduView& pdu) {
  const TaskMgmtRequest req = TaskMgmtRequest::decode(pdu.bhs);
  auto tmf = std::make_shared<Tmf>();
  tmf->itt = req.itt;
  tmf->conn = this;
  tmf->alive = alive_;
  tmfs_.push_back(tmf);
  const auto lun = decode_lun(req.lun);
  std::shared_ptr<LogicalUnit> lu = lun ? target_.lun(*lun) : nullptr;
  Session* s = session_;

  // Aborts every task of `sessions` matching `pred`; pending executions delay the response.
  auto abort_where = [&](const std::vector<Session*>& sessions, auto pred) {
    for (Session* ss : sessions) {
      for (Connection* c : ss->connections_) {
        std::vector<Task*> victims;
        for (auto& [itt, task] : c->tasks_)
          if (!task->aborted && pred(*task)) victims.push_back(task.get());
        for (Task* v : victims) c->abort_task(*v, tmf);
      }
      for (auto it = ss->held_.begin(); it != ss->held_.end();) {
        const Pdu& held = it->second.second;
        if (held.bhs.opcode() == static_cast<std::uint8_t>(Opcode::scsi_command)) {
          Task probe;
          probe.cmd = ScsiCommand::decode(held.bhs);
          probe.lun = decode_lun(probe.cmd.lun).value_or(~0ull);
          if (pred(probe)) {
            it = ss->held_.erase(it);
            continue;
          }
        }
        ++it;
      }
    }
  };
  std::vector<Session*> everyone;
  for (auto& [tsih, ss] : target_.sessions_)
    if (!ss->discovery_) everyone.push_back(ss.get());

  switch (req.function) {
    case static_cast<std::uint8_t>(TmfFunction::abort_task): {
      bool found = false;
      for (Connection* c : s->connections_) {
        auto it = c->tasks_.find(req.referenced_task_tag);
        if (it != c->tasks_.end() && !it->second->aborted) {
          found = true;
          c->abort_task(*it->second, tmf);
          break;
        }
      }
      if (!found) {
        for (auto it = s->held_.begin(); it != s->held_.end(); ++it) {
          if (it->second.second.bhs.itt() == req.referenced_task_tag) {
            s->held_.erase(it);
            found = true;
            break;
          }
        }
      }
      tmf->response = found ? 0 : 1;
      break;
    }
    case static_cast<std::uint8_t>(TmfFunction::abort_task_set):
      if (!lu) {
        tmf->response = 2;
        break;
      }
      abort_where({s}, [&](const Task& t) { return t.lun == *lun; });
      break;
    case static_cast<std::uint8_t>(TmfFunction::clear_task_set):
      if (!lu) {
        tmf->response = 2;
        break;
      }
      abort_where(everyone, [&](const Task& t) { return t.lun == *lun; });
      break;
    case static_cast<std::uint8_t>(TmfFunction::clear_aca):
      tmf->response = lu ? 0 : 2;  // ACA is never established (NACA is not supported)
      break;
    case static_cast<std::uint8_t>(TmfFunction::logical_unit_reset):
      if (!lu) {
        tmf->response = 2;
        break;
      }
      abort_where(everyone, [&](const Task& t) { return t.lun == *lun; });
      lu->logical_unit_reset(s->nexus_.get());
      break;
    case static_cast<std::uint8_t>(TmfFunction::target_warm_reset):
    case static_cast<std::uint8_t>(TmfFunction::target_cold_reset): {
      const bool cold = req.function == static_cast<std::uint8_t>(TmfFunction::target_cold_reset);
      abort_where(everyone, [](const Task&) { return true; });
      for (auto& [n, l] : target_.luns()) {
        if (cold)
          l->power_on_reset();
        else
          l->logical_unit_reset(s->nexus_.get());
      }
      tmf->cold_reset = cold;
      break;
    }
    case static_cast<std::uint8_t>(TmfFunction::task_reassign):
      tmf->response = 4;  // allegiance reassignment needs ErrorRecoveryLevel 2
      break;
    default:
      tmf->response = 5;  // not supported
      break;
  }
  if (tmf->pending == 0) tmf_done(*tmf);  // `tmf` keeps it alive across the erase inside
}

}  // namespace pb::iscsi
