// The iSCSI target state machines (RFC 7143): a Target (name, LUNs, policy, sessions) and the
// Connections that the transport feeds. A Connection consumes received bytes and produces PDUs
// to send; back-end completions arrive through the Target's CompletionQueue, so any transport (a
// packet-engine element, the test harness, a unit test) can drive it:
//
//   Target target(config, cq);             target.add_lun(0, lu);
//   Connection c(target, "127.0.0.1:3260");
//   c.set_wakeup([&] { /* c.tx() has new PDUs: write them */ });
//   c.receive(bytes);                      // bytes from the socket, any split
//   cq->run();                             // when cq->fd() is readable
//   write c.tx() iovecs; close when c.closing() and c.tx().empty()
//
// One thread drives a Target and all its Connections (the LUs are not locked).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "elements/iscsi/core/framer.hpp"
#include "elements/iscsi/core/negotiation.hpp"
#include "elements/iscsi/core/scsi.hpp"

namespace pb::iscsi {

struct TargetConfig {
  std::string name = "iqn.2026-01.org.example:disk";
  std::string alias;
  std::uint16_t portal_group_tag = 1;
  // "ADDR:PORT" of every portal, reported by SendTargets.
  std::vector<std::string> portals;
  AuthConfig auth;            // normal sessions
  AuthConfig discovery_auth;  // discovery sessions
  NegotiationPolicy policy;
  std::uint32_t cmd_window = 128;  // MaxCmdSN - ExpCmdSN + 1
  std::uint32_t max_sessions = 64;
};

class Session;
class Connection;

struct TargetStats {
  std::uint64_t pdus_in = 0;
  std::uint64_t pdus_out = 0;
  std::uint64_t commands = 0;
  std::uint64_t rejects = 0;
  std::uint64_t logins = 0;
  std::uint64_t login_failures = 0;
};

class Target {
 public:
  Target(TargetConfig config, std::shared_ptr<CompletionQueue> cq);
  ~Target();
  Target(const Target&) = delete;
  Target& operator=(const Target&) = delete;

  Status add_lun(std::uint64_t lun, std::shared_ptr<LogicalUnit> lu);
  std::shared_ptr<LogicalUnit> lun(std::uint64_t lun) const;
  const std::map<std::uint64_t, std::shared_ptr<LogicalUnit>>& luns() const { return luns_; }

  const TargetConfig& config() const { return config_; }
  CompletionQueue& completions() { return *cq_; }
  const std::shared_ptr<CompletionQueue>& completion_queue() const { return cq_; }
  std::size_t session_count() const { return sessions_.size(); }
  std::vector<const Session*> session_list() const;
  TargetStats& stats() { return stats_; }

  // Target cold reset: every connection is closed after its queued PDUs are sent.
  void close_all_connections();

 private:
  friend class Connection;
  friend class Session;
  Session* find_session(std::uint16_t tsih);
  Session* find_session(const std::string& initiator, const Isid& isid);
  Session* create_session(const std::string& initiator, const Isid& isid, bool discovery);
  void destroy_session(Session* s);
  std::vector<Connection*> all_connections() const;

  TargetConfig config_;
  std::shared_ptr<CompletionQueue> cq_;
  std::map<std::uint64_t, std::shared_ptr<LogicalUnit>> luns_;
  std::map<std::uint16_t, std::unique_ptr<Session>> sessions_;
  std::uint16_t next_tsih_ = 1;
  TargetStats stats_;
};

// Decodes the 8-byte iSCSI LUN field (SAM peripheral or flat addressing).
std::optional<std::uint64_t> decode_lun(std::uint64_t field);
std::uint64_t encode_lun(std::uint64_t lun);

class Connection {
 public:
  Connection(Target& target, std::string portal = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Bytes from the transport, any split. An error means the connection must be dropped now.
  Status receive(std::span<const std::uint8_t> bytes);
  // One whole PDU framed elsewhere (the ISCSIFramer element): `reject` set means the framer
  // found it malformed but kept the stream in sync (answered with Reject). Same error meaning.
  Status receive_pdu(const PduView& pdu, std::optional<RejectReason> reject = {},
                     std::string_view why = {});
  // The transport frames PDUs itself (digests, padding): receive() is not used, and PDUs in tx()
  // carry no digests. Set before the first PDU.
  void set_external_framing(bool on) { external_framing_ = on; }
  TxQueue& tx() { return tx_; }
  // The transport should close once tx() is empty (logout done, login failed, protocol error).
  bool closing() const { return closing_; }
  // Called when PDUs were queued outside receive() (back-end completions, other connections).
  void set_wakeup(std::function<void()> fn) { wakeup_ = std::move(fn); }
  // The peer went away or the transport gave up: tasks are aborted, the session may end.
  void transport_closed();

  bool full_feature() const { return phase_ == Phase::full_feature; }
  Session* session() const { return session_; }
  std::uint16_t cid() const { return cid_; }
  const SessionParams& params() const { return negotiator_->params(); }
  std::size_t tasks() const { return tasks_.size(); }

 private:
  friend class Session;
  friend class Target;
  enum class Phase : std::uint8_t { login, full_feature, closed };
  struct Task;
  struct Tmf;

  Status handle(const PduView& pdu, std::optional<RejectReason> reject, std::string_view why);
  Status handle_login(const PduView& pdu);
  void login_fail(const LoginRequest& req, LoginStatus status);
  void handle_full_feature(const PduView& pdu);
  // false: not processed now (held, a copy kept, or dropped)
  bool check_cmd_sn(const Bhs& bhs, const PduView* pdu);
  void deliver(const PduView& pdu);
  void handle_command(const PduView& pdu);
  void handle_data_out(const PduView& pdu);
  void handle_nop_out(const PduView& pdu);
  void handle_text(const PduView& pdu);
  void handle_logout(const PduView& pdu);
  void handle_tmf(const PduView& pdu);
  void send_reject(const Bhs& bad, RejectReason reason);
  void send(OutPdu pdu);
  void send_r2ts(Task& t);
  void maybe_execute(Task& t);
  void execute(Task& t);
  void complete(std::uint32_t itt, std::uint64_t id, ScsiResult result);
  void respond(Task& t, ScsiResult& result);
  void respond_status(std::uint32_t itt, std::uint8_t status,
                      const std::vector<std::uint8_t>& sense, std::uint32_t residual, bool overflow,
                      bool underflow, std::uint32_t exp_data_sn);
  void fail_task(Task& t, const Sense& s);
  void answer_locally(Task& t);  // REPORT LUNS, unknown LUN
  std::uint32_t next_stat_sn() { return stat_sn_++; }
  std::uint32_t exp_cmd_sn() const;
  std::uint32_t max_cmd_sn() const;
  void apply_digests();
  void abort_task(Task& t, const std::shared_ptr<Tmf>& tmf);
  void tmf_done(Tmf& tmf);
  void wake();

  Target& target_;
  std::string portal_;
  Framer framer_;
  TxQueue tx_;
  DigestSettings digests_;
  std::function<void()> wakeup_;
  bool closing_ = false;
  bool in_receive_ = false;
  bool external_framing_ = false;
  Phase phase_ = Phase::login;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  // Login.
  std::unique_ptr<Negotiator> negotiator_;
  bool first_login_pdu_ = true;
  LoginRequest login_first_;
  std::uint8_t login_stage_ = 0;
  std::vector<std::uint8_t> login_text_;  // C-bit continuation
  std::uint16_t cid_ = 0;
  std::uint16_t tsih_ = 0;
  Isid isid_{};
  std::string initiator_name_;
  bool sent_tpgt_ = false;

  // Full feature.
  Session* session_ = nullptr;
  std::uint32_t stat_sn_ = 0;
  std::uint32_t next_ttt_ = 1;
  std::uint64_t next_task_id_ = 1;
  std::map<std::uint32_t, std::unique_ptr<Task>> tasks_;  // by ITT
  std::vector<std::shared_ptr<Tmf>> tmfs_;  // pending TMF responses (tasks hold them too)
  // Text exchange state.
  std::vector<std::uint8_t> text_in_;
  std::vector<std::uint8_t> text_out_;
  std::size_t text_out_pos_ = 0;
  std::uint32_t text_ttt_ = kReservedTag;
};

class Session {
 public:
  Session(Target& target, std::uint16_t tsih, std::string initiator, Isid isid, bool discovery);
  ~Session();

  std::uint16_t tsih() const { return tsih_; }
  const std::string& initiator() const { return initiator_; }
  bool discovery() const { return discovery_; }
  const std::shared_ptr<ItNexus>& nexus() const { return nexus_; }
  const SessionParams& params() const { return params_; }
  std::uint32_t exp_cmd_sn() const { return exp_cmd_sn_; }
  std::uint32_t max_cmd_sn() const { return exp_cmd_sn_ + window_ - 1; }
  const std::vector<Connection*>& connections() const { return connections_; }

 private:
  friend class Connection;
  friend class Target;
  std::uint16_t tsih_;
  std::string initiator_;
  Isid isid_;
  bool discovery_;
  SessionParams params_;
  std::shared_ptr<ItNexus> nexus_;
  std::uint32_t exp_cmd_sn_ = 0;
  std::uint32_t window_ = 128;
  std::vector<Connection*> connections_;
  // Commands that arrived ahead of ExpCmdSN (possible with several connections).
  std::map<std::uint32_t, std::pair<Connection*, Pdu>> held_;
  bool ending_ = false;
};

// Serial-number arithmetic (RFC 1982) for CmdSN/StatSN comparisons.
inline bool sn_lt(std::uint32_t a, std::uint32_t b) {
  return a != b && static_cast<std::int32_t>(a - b) < 0;
}
inline bool sn_le(std::uint32_t a, std::uint32_t b) {
  return a == b || sn_lt(a, b);
}

}  // namespace pb::iscsi
