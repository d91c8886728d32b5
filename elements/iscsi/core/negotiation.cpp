#include "elements/iscsi/core/negotiation.hpp"

#include <algorithm>

namespace pb::iscsi {

namespace {

constexpr std::uint64_t k24 = 16777215;  // 2^24 - 1, the largest data segment length

constexpr KeyInfo kKeys[] = {
    {"HeaderDigest", KeyKind::list, KeyUse::initialize_only, false, false},
    {"DataDigest", KeyKind::list, KeyUse::initialize_only, false, false},
    {"MaxConnections", KeyKind::number_min, KeyUse::initialize_only, true, true, 1, 65535},
    {"SendTargets", KeyKind::send_targets, KeyUse::full_feature_only, false, false},
    {"TargetName", KeyKind::declarative, KeyUse::initialize_only, false, false},
    {"InitiatorName", KeyKind::declarative, KeyUse::initialize_only, false, false},
    {"TargetAlias", KeyKind::declarative, KeyUse::all, false, false},
    {"InitiatorAlias", KeyKind::declarative, KeyUse::all, false, false},
    {"TargetAddress", KeyKind::declarative, KeyUse::all, false, false},
    {"TargetPortalGroupTag", KeyKind::declarative, KeyUse::initialize_only, false, false},
    {"InitialR2T", KeyKind::bool_or, KeyUse::initialize_only, true, true},
    {"ImmediateData", KeyKind::bool_and, KeyUse::initialize_only, true, true},
    {"MaxRecvDataSegmentLength", KeyKind::declare_number, KeyUse::all, false, false, 512, k24},
    {"MaxBurstLength", KeyKind::number_min, KeyUse::initialize_only, true, true, 512, k24},
    {"FirstBurstLength", KeyKind::number_min, KeyUse::initialize_only, true, true, 512, k24},
    {"DefaultTime2Wait", KeyKind::number_max, KeyUse::initialize_only, true, false, 0, 3600},
    {"DefaultTime2Retain", KeyKind::number_min, KeyUse::initialize_only, true, false, 0, 3600},
    {"MaxOutstandingR2T", KeyKind::number_min, KeyUse::initialize_only, true, true, 1, 65535},
    {"DataPDUInOrder", KeyKind::bool_or, KeyUse::initialize_only, true, true},
    {"DataSequenceInOrder", KeyKind::bool_or, KeyUse::initialize_only, true, true},
    {"ErrorRecoveryLevel", KeyKind::number_min, KeyUse::initialize_only, true, false, 0, 2},
    {"SessionType", KeyKind::declarative, KeyUse::initialize_only, true, false},
    {"AuthMethod", KeyKind::security, KeyUse::security_only, false, false},
    {"CHAP_A", KeyKind::security, KeyUse::security_only, false, false},
    {"CHAP_I", KeyKind::security, KeyUse::security_only, false, false},
    {"CHAP_C", KeyKind::security, KeyUse::security_only, false, false},
    {"CHAP_N", KeyKind::security, KeyUse::security_only, false, false},
    {"CHAP_R", KeyKind::security, KeyUse::security_only, false, false},
    {"TaskReporting", KeyKind::list, KeyUse::initialize_only, true, true},
    {"iSCSIProtocolLevel", KeyKind::number_min, KeyUse::initialize_only, true, false, 0, 31},
    // Markers (RFC 3720) are obsolete in RFC 7143; we never use them: AND with No, and the
    // intervals are irrelevant.
    {"OFMarker", KeyKind::bool_and, KeyUse::initialize_only, false, false},
    {"IFMarker", KeyKind::bool_and, KeyUse::initialize_only, false, false},
    {"OFMarkInt", KeyKind::declarative, KeyUse::initialize_only, false, false},
    {"IFMarkInt", KeyKind::declarative, KeyUse::initialize_only, false, false},
};

bool is_answer(std::string_view v) {
  return v == "NotUnderstood" || v == "Irrelevant" || v == "Reject";
}

const char* yes_no(bool b) {
  return b ? "Yes" : "No";
}

}  // namespace

std::span<const KeyInfo> key_table() {
  return kKeys;
}

const KeyInfo* find_key(std::string_view name) {
  for (const auto& k : kKeys)
    if (k.name == name) return &k;
  return nullptr;
}

Negotiator::Negotiator(NegotiationPolicy policy, bool leading_connection)
    : policy_(std::move(policy)), leading_(leading_connection) {
  params_.target_max_recv_data_segment_length = policy_.max_recv_data_segment_length;
}

Negotiator::Step Negotiator::process(const KeyValues& in, Stage stage) {
  Step step;
  for (const auto& kv : in) {
    process_key(kv, stage, step);
    if (!step.status.ok()) return step;
  }
  if (stage == Stage::security && chap_ == Chap::want_response && chap_n_ && chap_r_)
    finish_chap(step);
  if (!step.status.ok()) return step;
  if (stage == Stage::operational && !declared_mrdsl_) {
    step.response.push_back(
        {"MaxRecvDataSegmentLength", std::to_string(policy_.max_recv_data_segment_length)});
    declared_mrdsl_ = true;
  }
  return step;
}

void Negotiator::process_key(const KeyValue& kv, Stage stage, Step& step) {
  auto answer = [&](std::string v) { step.response.push_back({kv.key, std::move(v)}); };
  const KeyInfo* key = find_key(kv.key);
  if (key == nullptr) {
    answer("NotUnderstood");
    return;
  }
  if (is_answer(kv.value)) return;  // the initiator answering an offer of ours
  if (key->kind == KeyKind::security) {
    if (stage != Stage::security) {
      answer("Irrelevant");
      return;
    }
    process_security(kv, step);
    return;
  }
  if (stage == Stage::full_feature && key->use == KeyUse::initialize_only) {
    answer("Reject");
    return;
  }
  if (stage != Stage::full_feature && key->use == KeyUse::full_feature_only) {
    answer("Reject");
    return;
  }
  if (key->leading_only && !leading_) {
    answer("Irrelevant");
    return;
  }
  // Negotiating a key twice in one login (or one text exchange) is a protocol error.
  if (!seen_.insert(kv.key).second) {
    answer("Reject");
    return;
  }
  if (params_.discovery && key->irrelevant_in_discovery) {
    answer("Irrelevant");
    return;
  }

  switch (key->kind) {
    case KeyKind::declarative: {
      if (kv.key == "InitiatorName")
        params_.initiator_name = kv.value;
      else if (kv.key == "InitiatorAlias")
        params_.initiator_alias = kv.value;
      else if (kv.key == "TargetName")
        params_.target_name = kv.value;
      else if (kv.key == "SessionType") {
        if (kv.value == "Discovery")
          params_.discovery = true;
        else if (kv.value == "Normal")
          params_.discovery = false;
        else
          answer("Reject");
      } else if (kv.key == "OFMarkInt" || kv.key == "IFMarkInt") {
        answer("Irrelevant");
      }
      return;
    }
    case KeyKind::declare_number: {
      auto n = parse_number(kv.value);
      if (!n || *n < key->min || *n > key->max) {
        answer("Reject");
        return;
      }
      params_.initiator_max_recv_data_segment_length = static_cast<std::uint32_t>(*n);
      return;
    }
    case KeyKind::bool_and:
    case KeyKind::bool_or: {
      auto b = parse_bool(kv.value);
      if (!b) {
        answer("Reject");
        return;
      }
      bool ours = false;
      if (kv.key == "InitialR2T")
        ours = policy_.initial_r2t;
      else if (kv.key == "ImmediateData")
        ours = policy_.immediate_data;
      else if (kv.key == "DataPDUInOrder" || kv.key == "DataSequenceInOrder")
        ours = true;
      const bool result = key->kind == KeyKind::bool_and ? (*b && ours) : (*b || ours);
      answer(yes_no(result));
      negotiated(*key, yes_no(result));
      return;
    }
    case KeyKind::number_min:
    case KeyKind::number_max: {
      auto n = parse_number(kv.value);
      if (!n || *n < key->min || *n > key->max) {
        answer("Reject");
        return;
      }
      std::uint64_t ours = 0;
      if (kv.key == "MaxConnections")
        ours = policy_.max_connections;
      else if (kv.key == "MaxBurstLength")
        ours = policy_.max_burst_length;
      else if (kv.key == "FirstBurstLength")
        ours = policy_.first_burst_length;
      else if (kv.key == "DefaultTime2Wait")
        ours = policy_.default_time2wait;
      else if (kv.key == "DefaultTime2Retain")
        ours = policy_.default_time2retain;
      else if (kv.key == "MaxOutstandingR2T")
        ours = policy_.max_outstanding_r2t;
      else if (kv.key == "ErrorRecoveryLevel")
        ours = policy_.error_recovery_level;
      else if (kv.key == "iSCSIProtocolLevel")
        ours = policy_.protocol_level;
      const std::uint64_t result =
          key->kind == KeyKind::number_min ? std::min(*n, ours) : std::max(*n, ours);
      answer(std::to_string(result));
      negotiated(*key, std::to_string(result));
      return;
    }
    case KeyKind::list: {
      std::vector<std::string> ours;
      if (kv.key == "HeaderDigest")
        ours = policy_.header_digests;
      else if (kv.key == "DataDigest")
        ours = policy_.data_digests;
      else if (kv.key == "TaskReporting")
        ours = {"RFC3720"};
      for (const auto& offer : split_list(kv.value)) {
        if (std::find(ours.begin(), ours.end(), offer) != ours.end()) {
          answer(offer);
          negotiated(*key, offer);
          return;
        }
      }
      answer("Reject");
      return;
    }
    case KeyKind::send_targets:  // the Connection answers SendTargets itself
    case KeyKind::security:
      return;
  }
}

void Negotiator::negotiated(const KeyInfo& key, const std::string& v) {
  const auto n = [&] {
    const auto r = parse_number(v);
    return r ? static_cast<std::uint32_t>(*r) : 0u;
  };
  const std::string_view k = key.name;
  if (k == "HeaderDigest")
    params_.header_digest = v == "CRC32C";
  else if (k == "DataDigest")
    params_.data_digest = v == "CRC32C";
  else if (k == "MaxConnections")
    params_.max_connections = n();
  else if (k == "InitialR2T")
    params_.initial_r2t = v == "Yes";
  else if (k == "ImmediateData")
    params_.immediate_data = v == "Yes";
  else if (k == "MaxBurstLength")
    params_.max_burst_length = n();
  else if (k == "FirstBurstLength")
    params_.first_burst_length = n();
  else if (k == "DefaultTime2Wait")
    params_.default_time2wait = n();
  else if (k == "DefaultTime2Retain")
    params_.default_time2retain = n();
  else if (k == "MaxOutstandingR2T")
    params_.max_outstanding_r2t = n();
  else if (k == "DataPDUInOrder")
    params_.data_pdu_in_order = v == "Yes";
  else if (k == "DataSequenceInOrder")
    params_.data_sequence_in_order = v == "Yes";
  else if (k == "ErrorRecoveryLevel")
    params_.error_recovery_level = n();
  else if (k == "TaskReporting")
    params_.task_reporting = v;
  else if (k == "iSCSIProtocolLevel")
    params_.protocol_level = n();
}

void Negotiator::process_security(const KeyValue& kv, Step& step) {
  auto answer = [&](std::string k, std::string v) {
    step.response.push_back({std::move(k), std::move(v)});
  };
  if (kv.key == "AuthMethod") {
    if (!auth_method_.empty()) {
      answer("AuthMethod", "Reject");
      return;
    }
    const auto offers = split_list(kv.value);
    const std::string want = auth_.chap ? "CHAP" : "None";
    if (std::find(offers.begin(), offers.end(), want) == offers.end()) {
      answer("AuthMethod", "Reject");
      step.status = kLoginAuthFailure;
      return;
    }
    auth_method_ = want;
    answer("AuthMethod", want);
    if (want == "CHAP") chap_ = Chap::want_algorithm;
    return;
  }
  if (kv.key == "CHAP_A") {
    if (chap_ != Chap::want_algorithm) {
      step.status = kLoginAuthFailure;
      return;
    }
    const auto algs = split_list(kv.value);
    if (std::find(algs.begin(), algs.end(), std::to_string(kChapAlgorithmMd5)) == algs.end()) {
      answer("CHAP_A", "Reject");
      step.status = kLoginAuthFailure;
      chap_ = Chap::failed;
      return;
    }
    std::array<std::uint8_t, 1> id{};
    if (!random_bytes(id) || !random_bytes(chap_challenge_)) {
      step.status = kLoginTargetError;
      return;
    }
    chap_id_ = id[0];
    answer("CHAP_A", std::to_string(kChapAlgorithmMd5));
    answer("CHAP_I", std::to_string(chap_id_));
    answer("CHAP_C", encode_hex(chap_challenge_));
    chap_ = Chap::want_response;
    return;
  }
  if (chap_ != Chap::want_response) {
    // CHAP_N/R/I/C outside the exchange (or a target-only key from the initiator).
    step.status = kLoginAuthFailure;
    return;
  }
  if (kv.key == "CHAP_N")
    chap_n_ = kv.value;
  else if (kv.key == "CHAP_R")
    chap_r_ = kv.value;
  else if (kv.key == "CHAP_I")
    chap_i_ = kv.value;
  else if (kv.key == "CHAP_C")
    chap_c_ = kv.value;
}

void Negotiator::finish_chap(Step& step) {
  chap_ = Chap::failed;
  const auto r = parse_binary(*chap_r_);
  const auto expected = chap_md5_response(chap_id_, auth_.chap->secret, chap_challenge_);
  if (*chap_n_ != auth_.chap->user || !r || r->size() != expected.size() ||
      !std::equal(expected.begin(), expected.end(), r->begin())) {
    step.status = kLoginAuthFailure;
    return;
  }
  if (chap_i_.has_value() != chap_c_.has_value()) {
    step.status = kLoginAuthFailure;
    return;
  }
  if (chap_i_) {
    // Mutual CHAP: the initiator challenges us.
    const auto id = parse_number(*chap_i_);
    const auto challenge = parse_binary(*chap_c_);
    if (!auth_.mutual_chap || !id || *id > 255 || !challenge || challenge->empty() ||
        (challenge->size() == chap_challenge_.size() &&
         std::equal(challenge->begin(), challenge->end(), chap_challenge_.begin()))) {
      // A reflected challenge would let an attacker use us as an oracle for our own secret.
      step.status = kLoginAuthFailure;
      return;
    }
    const auto resp =
        chap_md5_response(static_cast<std::uint8_t>(*id), auth_.mutual_chap->secret, *challenge);
    step.response.push_back({"CHAP_N", auth_.mutual_chap->user});
    step.response.push_back({"CHAP_R", encode_hex(resp)});
  }
  chap_ = Chap::done;
  auth_done_ = true;
}

bool Negotiator::may_leave_security() const {
  return auth_.chap ? chap_ == Chap::done : true;
}

void Negotiator::finish() {
  if (params_.first_burst_length > params_.max_burst_length)
    params_.first_burst_length = params_.max_burst_length;
}

}  // namespace pb::iscsi
