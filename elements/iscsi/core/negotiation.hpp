// Login and text key negotiation (RFC 7143 §6.2, §13): the table of every key with its type and
// result function, the target's policy, the negotiated values, and the per-connection negotiator
// that answers an initiator's keys stage by stage (including CHAP in the security stage).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "elements/iscsi/core/chap.hpp"
#include "elements/iscsi/core/text.hpp"

namespace pb::iscsi {

enum class KeyKind : std::uint8_t {
  bool_and,        // result = offer AND ours
  bool_or,         // result = offer OR ours
  number_min,      // result = min(offer, ours)
  number_max,      // result = max(offer, ours)
  list,            // first value in the offer that we support
  declarative,     // no negotiation, no answer
  declare_number,  // declarative with a numeric value range-checked (MaxRecvDataSegmentLength)
  security,        // AuthMethod and CHAP_*: handled by the authentication exchange
  send_targets,    // text request in full feature phase
};

// When a key may appear.
enum class KeyUse : std::uint8_t { all, initialize_only, full_feature_only, security_only };

struct KeyInfo {
  std::string_view name;
  KeyKind kind;
  KeyUse use;
  bool leading_only;
  bool irrelevant_in_discovery;
  std::uint64_t min = 0;
  std::uint64_t max = 0;
};

std::span<const KeyInfo> key_table();
const KeyInfo* find_key(std::string_view name);

// What the target offers and accepts. Boolean keys are our side of the result function; numbers
// are the most we accept (min functions) or the least (max functions).
struct NegotiationPolicy {
  std::vector<std::string> header_digests = {"None", "CRC32C"};  // what we accept, any order
  std::vector<std::string> data_digests = {"None", "CRC32C"};
  std::uint32_t max_connections = 4;
  bool initial_r2t = false;    // our preference; OR with the initiator's
  bool immediate_data = true;  // AND with the initiator's
  std::uint32_t max_recv_data_segment_length = 256 * 1024;  // we declare this
  std::uint32_t max_burst_length = 1024 * 1024;
  std::uint32_t first_burst_length = 256 * 1024;
  std::uint32_t default_time2wait = 2;
  std::uint32_t default_time2retain = 20;
  std::uint32_t max_outstanding_r2t = 16;
  std::uint32_t error_recovery_level = 0;
  std::uint32_t protocol_level = 1;  // RFC 7144: 1 = RFC 7143
};

// Result of a negotiation: RFC defaults until changed.
struct SessionParams {
  // declared by the initiator
  std::string initiator_name;
  std::string initiator_alias;
  std::string target_name;
  bool discovery = false;
  // session-wide, negotiated
  std::uint32_t max_connections = 1;
  bool initial_r2t = true;
  bool immediate_data = true;
  std::uint32_t max_burst_length = 262144;
  std::uint32_t first_burst_length = 65536;
  std::uint32_t default_time2wait = 2;
  std::uint32_t default_time2retain = 20;
  std::uint32_t max_outstanding_r2t = 1;
  bool data_pdu_in_order = true;
  bool data_sequence_in_order = true;
  std::uint32_t error_recovery_level = 0;
  std::string task_reporting = "RFC3720";
  std::uint32_t protocol_level = 0;
  // connection-only
  bool header_digest = false;
  bool data_digest = false;
  std::uint32_t initiator_max_recv_data_segment_length = 8192;  // our send limit
  std::uint32_t target_max_recv_data_segment_length = 8192;     // what we declared
};

// Authentication the target requires of initiators (and offers back, for mutual CHAP).
struct AuthConfig {
  std::optional<ChapCredentials> chap;         // required from the initiator when set
  std::optional<ChapCredentials> mutual_chap;  // our name/secret when the initiator asks
};

// Login status class/detail (RFC 7143 §11.13.5).
struct LoginStatus {
  std::uint8_t status_class = 0;
  std::uint8_t detail = 0;
  bool ok() const { return status_class == 0; }
  bool operator==(const LoginStatus&) const = default;
};
inline constexpr LoginStatus kLoginOk{0, 0};
inline constexpr LoginStatus kLoginInitiatorError{2, 0x00};
inline constexpr LoginStatus kLoginAuthFailure{2, 0x01};
inline constexpr LoginStatus kLoginAuthorizationFailure{2, 0x02};
inline constexpr LoginStatus kLoginNotFound{2, 0x03};
inline constexpr LoginStatus kLoginUnsupportedVersion{2, 0x05};
inline constexpr LoginStatus kLoginTooManyConnections{2, 0x06};
inline constexpr LoginStatus kLoginMissingParameter{2, 0x07};
inline constexpr LoginStatus kLoginCantIncludeInSession{2, 0x08};
inline constexpr LoginStatus kLoginSessionTypeUnsupported{2, 0x09};
inline constexpr LoginStatus kLoginSessionDoesNotExist{2, 0x0A};
inline constexpr LoginStatus kLoginInvalidDuringLogin{2, 0x0B};
inline constexpr LoginStatus kLoginTargetError{3, 0x00};
inline constexpr LoginStatus kLoginOutOfResources{3, 0x02};

enum class Stage : std::uint8_t { security = 0, operational = 1, full_feature = 3 };

// Answers one connection's keys. Login requests of each stage and, in full feature phase, text
// requests go through `process`. Key answers follow the RFC's rules: unknown keys get
// NotUnderstood, invalid values and keys repeated in one negotiation get Reject, keys that do not
// apply (e.g. InitialR2T in a discovery session) get Irrelevant.
class Negotiator {
 public:
  Negotiator(NegotiationPolicy policy, bool leading_connection);

  // Set before the security stage is processed (the Connection looks the target up first).
  void set_auth(AuthConfig auth) { auth_ = std::move(auth); }
  void set_discovery(bool d) { params_.discovery = d; }

  struct Step {
    KeyValues response;
    LoginStatus status;  // not ok: fail the login with this status
  };
  Step process(const KeyValues& in, Stage stage);

  // True when the security stage may be left: no authentication required, or CHAP succeeded.
  bool may_leave_security() const;
  // True once authentication happened in this login (AuthMethod agreed and completed).
  bool authenticated() const { return auth_done_; }
  // Values the initiator did not offer keep the RFC default; call when the login completes to
  // clamp dependent values (FirstBurstLength <= MaxBurstLength).
  void finish();

  const SessionParams& params() const { return params_; }
  SessionParams& params() { return params_; }
  // Starts a new negotiation round (text request in full feature phase): keys may be negotiated
  // again.
  void reset_round() { seen_.clear(); }

 private:
  void process_key(const KeyValue& kv, Stage stage, Step& step);
  void process_security(const KeyValue& kv, Step& step);
  void negotiated(const KeyInfo& key, const std::string& value);

  NegotiationPolicy policy_;
  bool leading_;
  AuthConfig auth_;
  SessionParams params_;
  std::set<std::string, std::less<>> seen_;  // keys negotiated in this login / text exchange

  enum class Chap : std::uint8_t { none, want_algorithm, want_response, done, failed };
  std::string auth_method_;  // agreed AuthMethod, empty until agreed
  Chap chap_ = Chap::none;
  std::uint8_t chap_id_ = 0;
  std::array<std::uint8_t, kChapChallengeLength> chap_challenge_{};
  bool auth_done_ = false;
  bool declared_mrdsl_ = false;
  // CHAP_N / CHAP_R / CHAP_I / CHAP_C arrive together; gathered before checking.
  std::optional<std::string> chap_n_, chap_r_, chap_i_, chap_c_;
  void finish_chap(Step& step);
};

}  // namespace pb::iscsi
