#include "elements/iscsi/core/negotiation.hpp"

#include <catch2/catch.hpp>

using namespace pb::iscsi;

namespace {
std::string answer(const Negotiator::Step& s, std::string_view key) {
  for (const auto& kv : s.response)
    if (kv.key == key) return kv.value;
  return "<none>";
}
}  // namespace

TEST_CASE("negotiation: result functions for every key type", "[iscsi][negotiation]") {
  NegotiationPolicy policy;  // InitialR2T No, ImmediateData Yes, MaxBurst 1 MiB, FirstBurst 256 KiB
  struct Row {
    const char* key;
    const char* offer;
    const char* expect;
  };
  const Row rows[] = {
      {"HeaderDigest", "CRC32C,None", "CRC32C"},
      {"HeaderDigest", "None,CRC32C", "None"},
      {"DataDigest", "MD5", "Reject"},
      {"InitialR2T", "Yes", "Yes"},  // OR
      {"InitialR2T", "No", "No"},
      {"ImmediateData", "No", "No"},  // AND
      {"ImmediateData", "Yes", "Yes"},
      {"ImmediateData", "maybe", "Reject"},
      {"MaxBurstLength", "262144", "262144"},  // min
      {"MaxBurstLength", "16776192", "1048576"},
      {"MaxBurstLength", "511", "Reject"},  // out of range
      {"MaxBurstLength", "16777216", "Reject"},
      {"FirstBurstLength", "65536", "65536"},
      {"DefaultTime2Wait", "0", "2"},  // max
      {"DefaultTime2Wait", "5", "5"},
      {"DefaultTime2Retain", "60", "20"},  // min
      {"DefaultTime2Retain", "3601", "Reject"},
      {"MaxOutstandingR2T", "64", "16"},
      {"MaxOutstandingR2T", "0", "Reject"},
      {"DataPDUInOrder", "No", "Yes"},  // OR with our Yes
      {"DataSequenceInOrder", "Yes", "Yes"},
      {"ErrorRecoveryLevel", "2", "0"},
      {"MaxConnections", "8", "4"},
      {"MaxConnections", "0x1", "1"},
      {"TaskReporting", "FastAbort,RFC3720", "RFC3720"},
      {"iSCSIProtocolLevel", "2", "1"},
      {"OFMarker", "Yes", "No"},
      {"IFMarkInt", "2048~8192", "Irrelevant"},
      {"X-com.example.thing", "1", "NotUnderstood"},
      {"Bogus", "1", "NotUnderstood"},
      {"SendTargets", "All", "Reject"},  // only in full feature phase
      {"SessionType", "Weird", "Reject"},
      {"MaxRecvDataSegmentLength", "100", "Reject"},
  };
  for (const auto& row : rows) {
    INFO(row.key << "=" << row.offer);
    Negotiator n(policy, true);
    auto step = n.process({{row.key, row.offer}}, Stage::operational);
    CHECK(step.status.ok());
    CHECK(answer(step, row.key) == row.expect);
  }
}

TEST_CASE("negotiation: declarations and negotiated values", "[iscsi][negotiation]") {
  Negotiator n(NegotiationPolicy{}, true);
  auto s = n.process({{"InitiatorName", "iqn.i"},
                      {"TargetName", "iqn.t"},
                      {"SessionType", "Normal"},
                      {"AuthMethod", "None"}},
                     Stage::security);
  CHECK(s.status.ok());
  CHECK(s.response == KeyValues{{"AuthMethod", "None"}});  // declaratives get no answer
  CHECK(n.may_leave_security());
  s = n.process({{"HeaderDigest", "CRC32C"},
                 {"MaxRecvDataSegmentLength", "65536"},
                 {"MaxBurstLength", "65536"},
                 {"FirstBurstLength", "262144"},
                 {"InitialR2T", "No"}},
                Stage::operational);
  CHECK(s.status.ok());
  CHECK(answer(s, "MaxRecvDataSegmentLength") == "262144");  // our declaration
  n.finish();
  const auto& p = n.params();
  CHECK(p.initiator_name == "iqn.i");
  CHECK(p.target_name == "iqn.t");
  CHECK(!p.discovery);
  CHECK(p.header_digest);
  CHECK(!p.data_digest);
  CHECK(p.initiator_max_recv_data_segment_length == 65536);
  CHECK(p.max_burst_length == 65536);
  CHECK(p.first_burst_length == 65536);  // clamped to MaxBurstLength
  CHECK(!p.initial_r2t);
  CHECK(p.immediate_data);  // default kept
}

TEST_CASE("negotiation: repeated keys, discovery, non-leading, full feature",
          "[iscsi][negotiation]") {
  Negotiator n(NegotiationPolicy{}, true);
  auto s = n.process({{"MaxBurstLength", "4096"}, {"MaxBurstLength", "8192"}}, Stage::operational);
  REQUIRE(s.response.size() == 3);
  CHECK(s.response[0].value == "4096");
  CHECK(s.response[1].value == "Reject");

  Negotiator d(NegotiationPolicy{}, true);
  s = d.process({{"SessionType", "Discovery"}, {"InitialR2T", "Yes"}, {"HeaderDigest", "None"}},
                Stage::operational);
  CHECK(answer(s, "InitialR2T") == "Irrelevant");
  CHECK(answer(s, "HeaderDigest") == "None");

  Negotiator second(NegotiationPolicy{}, false);
  s = second.process({{"MaxBurstLength", "4096"}, {"HeaderDigest", "None"}}, Stage::operational);
  CHECK(answer(s, "MaxBurstLength") == "Irrelevant");
  CHECK(answer(s, "HeaderDigest") == "None");

  Negotiator ffp(NegotiationPolicy{}, true);
  s = ffp.process({{"MaxBurstLength", "4096"}, {"MaxRecvDataSegmentLength", "4096"}},
                  Stage::full_feature);
  CHECK(answer(s, "MaxBurstLength") == "Reject");
  CHECK(ffp.params().initiator_max_recv_data_segment_length == 4096);
  s = ffp.process({{"AuthMethod", "None"}}, Stage::operational);
  CHECK(answer(s, "AuthMethod") == "Irrelevant");
}

namespace {
std::string chap_response(std::uint8_t id, const std::string& secret, const std::string& c_hex) {
  return encode_hex(chap_md5_response(id, secret, *parse_binary(c_hex)));
}

struct ChapRun {
  Negotiator n{NegotiationPolicy{}, true};
  std::uint8_t id = 0;
  std::string challenge;
  explicit ChapRun(AuthConfig auth) {
    n.set_auth(std::move(auth));
    auto s = n.process({{"InitiatorName", "iqn.i"}, {"AuthMethod", "CHAP,None"}}, Stage::security);
    REQUIRE(s.status.ok());
    REQUIRE(answer(s, "AuthMethod") == "CHAP");
    CHECK(!n.may_leave_security());
    s = n.process({{"CHAP_A", "7,5"}}, Stage::security);
    REQUIRE(s.status.ok());
    CHECK(answer(s, "CHAP_A") == "5");
    id = static_cast<std::uint8_t>(*parse_number(answer(s, "CHAP_I")));
    challenge = answer(s, "CHAP_C");
    CHECK(challenge.size() == 2 + 32);
  }
};
}  // namespace

TEST_CASE("negotiation: one-way CHAP", "[iscsi][negotiation][chap]") {
  ChapRun run(AuthConfig{ChapCredentials{"user", "secretsecret"}, std::nullopt});
  auto s = run.n.process(
      {{"CHAP_N", "user"}, {"CHAP_R", chap_response(run.id, "secretsecret", run.challenge)}},
      Stage::security);
  CHECK(s.status.ok());
  CHECK(s.response.empty());
  CHECK(run.n.may_leave_security());
  CHECK(run.n.authenticated());
}

TEST_CASE("negotiation: CHAP failures", "[iscsi][negotiation][chap]") {
  SECTION("wrong secret") {
    ChapRun run(AuthConfig{ChapCredentials{"user", "secretsecret"}, std::nullopt});
    auto s = run.n.process(
        {{"CHAP_N", "user"}, {"CHAP_R", chap_response(run.id, "nope", run.challenge)}},
        Stage::security);
    CHECK(s.status == kLoginAuthFailure);
  }
  SECTION("wrong name") {
    ChapRun run(AuthConfig{ChapCredentials{"user", "secretsecret"}, std::nullopt});
    auto s = run.n.process(
        {{"CHAP_N", "other"}, {"CHAP_R", chap_response(run.id, "secretsecret", run.challenge)}},
        Stage::security);
    CHECK(s.status == kLoginAuthFailure);
  }
  SECTION("mutual requested but not configured") {
    ChapRun run(AuthConfig{ChapCredentials{"user", "secretsecret"}, std::nullopt});
    auto s = run.n.process({{"CHAP_N", "user"},
                            {"CHAP_R", chap_response(run.id, "secretsecret", run.challenge)},
                            {"CHAP_I", "3"},
                            {"CHAP_C", "0x0102030405"}},
                           Stage::security);
    CHECK(s.status == kLoginAuthFailure);
  }
  SECTION("no MD5") {
    Negotiator n(NegotiationPolicy{}, true);
    n.set_auth(AuthConfig{ChapCredentials{"u", "s"}, std::nullopt});
    CHECK(n.process({{"AuthMethod", "CHAP"}}, Stage::security).status.ok());
    auto s = n.process({{"CHAP_A", "7"}}, Stage::security);
    CHECK(answer(s, "CHAP_A") == "Reject");
    CHECK(s.status == kLoginAuthFailure);
  }
  SECTION("initiator refuses CHAP") {
    Negotiator n(NegotiationPolicy{}, true);
    n.set_auth(AuthConfig{ChapCredentials{"u", "s"}, std::nullopt});
    auto s = n.process({{"AuthMethod", "None"}}, Stage::security);
    CHECK(answer(s, "AuthMethod") == "Reject");
    CHECK(s.status == kLoginAuthFailure);
  }
  SECTION("CHAP response before the challenge") {
    Negotiator n(NegotiationPolicy{}, true);
    n.set_auth(AuthConfig{ChapCredentials{"u", "s"}, std::nullopt});
    auto s = n.process({{"CHAP_N", "u"}}, Stage::security);
    CHECK(s.status == kLoginAuthFailure);
  }
}

TEST_CASE("negotiation: mutual CHAP", "[iscsi][negotiation][chap]") {
  ChapRun run(AuthConfig{ChapCredentials{"user", "secretsecret"},
                         ChapCredentials{"target", "tgtsecret12345"}});
  SECTION("answers the initiator's challenge") {
    auto s = run.n.process({{"CHAP_N", "user"},
                            {"CHAP_R", chap_response(run.id, "secretsecret", run.challenge)},
                            {"CHAP_I", "42"},
                            {"CHAP_C", "0xdeadbeef"}},
                           Stage::security);
    CHECK(s.status.ok());
    CHECK(answer(s, "CHAP_N") == "target");
    CHECK(answer(s, "CHAP_R") == "0x99cdb559b9b7b5aa93f901c11db794e0");
    CHECK(run.n.may_leave_security());
  }
  SECTION("refuses a reflected challenge") {
    auto s = run.n.process({{"CHAP_N", "user"},
                            {"CHAP_R", chap_response(run.id, "secretsecret", run.challenge)},
                            {"CHAP_I", "42"},
                            {"CHAP_C", run.challenge}},
                           Stage::security);
    CHECK(s.status == kLoginAuthFailure);
  }
}
