// Connection/Session state machines driven through PDUs, the way a transport drives them.
#include "elements/iscsi/core/target.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

using namespace pb::iscsi;

namespace {

const char* kTarget = "iqn.2026-01.org.example:disk";

std::string key_of(const Pdu& p, std::string_view k) {
  auto kv = parse_text(p.data);
  if (!kv) return "<bad>";
  for (const auto& e : *kv)
    if (e.key == k) return e.value;
  return "<none>";
}

// A scripted initiator talking to one Connection.
struct Wire {
  std::shared_ptr<CompletionQueue> cq = std::make_shared<CompletionQueue>();
  std::unique_ptr<Target> target;
  std::unique_ptr<Connection> conn;
  Framer in{
      FramerLimits{.max_recv_data_segment_length = 1 << 24, .accept_initiator_opcodes = false}};
  DigestSettings digests;
  std::uint32_t cmd_sn = 1;
  std::uint32_t itt = 0x100;
  int wakeups = 0;

  explicit Wire(TargetConfig cfg = {}, std::unique_ptr<BlockBackend> backend = nullptr,
                LuConfig lc = {}) {
    cfg.name = kTarget;
    cfg.portals = {"127.0.0.1:3260"};
    target = std::make_unique<Target>(cfg, cq);
    if (!backend) backend = make_memory_backend(1 << 20);
    REQUIRE(target->add_lun(0, std::make_shared<LogicalUnit>(lc, std::move(backend))));
    conn = std::make_unique<Connection>(*target, "127.0.0.1:3260");
    conn->set_wakeup([this] { ++wakeups; });
  }

  void send(const Bhs& bhs, std::vector<std::uint8_t> data = {}) {
    OutPdu p;
    p.bhs = bhs;
    p.owned = std::move(data);
    encode_pdu(p, digests);
    TxQueue q;
    q.push(std::move(p));
    auto bytes = q.drain_bytes();
    REQUIRE(conn->receive(bytes));
  }
  std::vector<Pdu> recv() {
    auto bytes = conn->tx().drain_bytes();
    std::span<const std::uint8_t> s(bytes);
    std::vector<Pdu> out;
    while (!s.empty()) {
      auto r = in.next(s);
      REQUIRE(r);
      if (r->has_value()) {
        REQUIRE(!(*r)->reject);
        out.push_back(std::move((*r)->pdu));
      }
    }
    return out;
  }
  Pdu recv_one() {
    auto v = recv();
    REQUIRE(v.size() == 1);
    return std::move(v[0]);
  }

  Pdu login(const KeyValues& keys, std::uint8_t csg = 1, std::uint8_t nsg = 3, bool transit = true,
            std::uint16_t tsih = 0) {
    LoginRequest r;
    r.transit = transit;
    r.csg = csg;
    r.nsg = nsg;
    r.isid = {0x80, 0, 0, 1, 2, 3};
    r.tsih = tsih;
    r.itt = itt;
    r.cmd_sn = cmd_sn;
    send(r.encode(), encode_text(keys));
    return recv_one();
  }
  Pdu login_ok(KeyValues extra = {}) {
    KeyValues k{{"InitiatorName", "iqn.i"}, {"TargetName", kTarget}, {"SessionType", "Normal"}};
    k.insert(k.end(), extra.begin(), extra.end());
    Pdu p = login(k);
    const auto r = LoginResponse::decode(p.bhs);
    REQUIRE(r.status_class == 0);
    REQUIRE(r.transit);
    REQUIRE(r.nsg == 3);
    REQUIRE(r.tsih != 0);
    REQUIRE(conn->full_feature());
    // Digests start with the first PDU after the login.
    digests = {key_of(p, "HeaderDigest") == "CRC32C", key_of(p, "DataDigest") == "CRC32C"};
    in.set_limits({.max_recv_data_segment_length = 1 << 24,
                   .header_digest = digests.header,
                   .data_digest = digests.data,
                   .accept_initiator_opcodes = false});
    // Clear the power-on unit attention.
    Pdu tur = command({0x00}, 0);
    return p;
  }

  Bhs cmd_bhs(std::vector<std::uint8_t> cdb, std::uint32_t edtl, bool read = true,
              bool write = false, bool final = true) {
    ScsiCommand c;
    c.read = read && edtl > 0;
    c.write = write;
    c.final = final;
    c.itt = ++itt;
    c.cmd_sn = cmd_sn++;
    c.expected_data_length = edtl;
    std::copy(cdb.begin(), cdb.end(), c.cdb.begin());
    return c.encode();
  }
  Pdu command(std::vector<std::uint8_t> cdb, std::uint32_t edtl) {
    send(cmd_bhs(cdb, edtl));
    auto v = recv();
    REQUIRE(!v.empty());
    return std::move(v.back());
  }
};

std::string key(const Pdu& p, std::string_view k) {
  auto kv = parse_text(p.data);
  REQUIRE(kv);
  for (const auto& e : *kv)
    if (e.key == k) return e.value;
  return "<none>";
}

}  // namespace

TEST_CASE("login: operational stage straight to full feature phase", "[iscsi][target]") {
  Wire w;
  Pdu p = w.login({{"InitiatorName", "iqn.i"},
                   {"TargetName", kTarget},
                   {"SessionType", "Normal"},
                   {"MaxRecvDataSegmentLength", "4096"},
                   {"ImmediateData", "Yes"},
                   {"MaxBurstLength", "65536"}});
  const auto r = LoginResponse::decode(p.bhs);
  CHECK(r.status_class == 0);
  CHECK(r.transit);
  CHECK(r.csg == 1);
  CHECK(r.nsg == 3);
  CHECK(r.tsih == 1);
  CHECK(r.itt == w.itt);
  CHECK(r.exp_cmd_sn == 1);
  CHECK(r.max_cmd_sn == 128);
  CHECK(key(p, "TargetPortalGroupTag") == "1");
  CHECK(key(p, "MaxRecvDataSegmentLength") == "262144");
  CHECK(key(p, "MaxBurstLength") == "65536");
  CHECK(key(p, "ImmediateData") == "Yes");
  CHECK(w.conn->full_feature());
  CHECK(w.target->session_count() == 1);
  CHECK(w.conn->params().initiator_max_recv_data_segment_length == 4096);
}

TEST_CASE("login: failures answer with the RFC status and close", "[iscsi][target]") {
  struct Row {
    KeyValues keys;
    std::uint8_t cls;
    std::uint8_t detail;
  };
  const Row rows[] = {
      {{{"InitiatorName", "iqn.i"}, {"TargetName", "iqn.other"}}, 2, 0x03},
      {{{"TargetName", kTarget}}, 2, 0x07},
      {{{"InitiatorName", "iqn.i"}}, 2, 0x07},
      {{{"InitiatorName", "iqn.i"}, {"SessionType", "Weird"}}, 2, 0x09},
  };
  for (const auto& row : rows) {
    Wire w;
    const auto r = LoginResponse::decode(w.login(row.keys).bhs);
    CHECK(r.status_class == row.cls);
    CHECK(r.status_detail == row.detail);
    CHECK(w.conn->closing());
    CHECK(w.target->session_count() == 0);
  }
  // Not a login PDU first.
  Wire w;
  w.send(NopOut{true, 0, 1, kReservedTag, 0, 0}.encode());
  const auto r = LoginResponse::decode(w.recv_one().bhs);
  CHECK(r.status_class == 2);
  CHECK(r.status_detail == 0x0B);
  // Unsupported version.
  Wire v;
  LoginRequest lr;
  lr.transit = true;
  lr.csg = 1;
  lr.nsg = 3;
  lr.version_min = 1;
  lr.version_max = 1;
  v.send(lr.encode(), encode_text({{"InitiatorName", "iqn.i"}, {"TargetName", kTarget}}));
  CHECK(LoginResponse::decode(v.recv_one().bhs).status_detail == 0x05);
}

TEST_CASE("login: CHAP in the security stage, then operational", "[iscsi][target][chap]") {
  TargetConfig cfg;
  cfg.auth.chap = ChapCredentials{"alice", "secretsecret12"};
  Wire w(cfg);
  Pdu p = w.login(
      {{"InitiatorName", "iqn.i"}, {"TargetName", kTarget}, {"AuthMethod", "CHAP,None"}}, 0, 1);
  CHECK(key(p, "AuthMethod") == "CHAP");
  CHECK(!LoginResponse::decode(p.bhs).transit);
  p = w.login({{"CHAP_A", "5"}}, 0, 1);
  const auto id = static_cast<std::uint8_t>(*parse_number(key(p, "CHAP_I")));
  const auto challenge = *parse_binary(key(p, "CHAP_C"));
  const auto resp = chap_md5_response(id, "secretsecret12", challenge);
  p = w.login({{"CHAP_N", "alice"}, {"CHAP_R", encode_hex(resp)}}, 0, 1);
  auto r = LoginResponse::decode(p.bhs);
  CHECK(r.status_class == 0);
  CHECK(r.transit);
  CHECK(r.nsg == 1);
  p = w.login({{"HeaderDigest", "None"}}, 1, 3);
  r = LoginResponse::decode(p.bhs);
  CHECK(r.transit);
  CHECK(w.conn->full_feature());

  Wire bad(cfg);
  bad.login({{"InitiatorName", "iqn.i"}, {"TargetName", kTarget}, {"AuthMethod", "CHAP"}}, 0, 1);
  p = bad.login({{"CHAP_A", "5"}}, 0, 1);
  p = bad.login({{"CHAP_N", "alice"}, {"CHAP_R", "0x00112233445566778899aabbccddeeff"}}, 0, 1);
  CHECK(LoginResponse::decode(p.bhs).status_detail == 0x01);
  CHECK(bad.conn->closing());

  // Skipping the security stage when authentication is required.
  Wire skip(cfg);
  p = skip.login({{"InitiatorName", "iqn.i"}, {"TargetName", kTarget}}, 1, 3);
  CHECK(LoginResponse::decode(p.bhs).status_detail == 0x01);
}

TEST_CASE("discovery session: SendTargets", "[iscsi][target]") {
  Wire w;
  Pdu p = w.login({{"InitiatorName", "iqn.i"}, {"SessionType", "Discovery"}});
  CHECK(LoginResponse::decode(p.bhs).status_class == 0);
  CHECK(key(p, "TargetPortalGroupTag") == "<none>");
  TextRequest t;
  t.itt = 7;
  t.cmd_sn = w.cmd_sn++;
  w.send(t.encode(), encode_text({{"SendTargets", "All"}}));
  p = w.recv_one();
  const auto tr = TextResponse::decode(p.bhs);
  CHECK(tr.final);
  CHECK(tr.ttt == kReservedTag);
  CHECK(encode_text(*parse_text(p.data)) ==
        encode_text({{"TargetName", kTarget}, {"TargetAddress", "127.0.0.1:3260,1"}}));
  // SCSI commands are not allowed in a discovery session.
  w.send(w.cmd_bhs({0x00}, 0));
  CHECK(w.recv_one().bhs.opcode() == static_cast<std::uint8_t>(Opcode::reject));
}

TEST_CASE("full feature: read with Data-In, phase collapse and residuals", "[iscsi][target]") {
  Wire w;
  w.login_ok({{"MaxRecvDataSegmentLength", "512"}});
  // INQUIRY, allocation 255, EDTL 255: 74 bytes, underflow 181, status in the Data-In.
  w.send(w.cmd_bhs({0x12, 0, 0, 0, 255, 0}, 255));
  auto v = w.recv();
  REQUIRE(v.size() == 1);
  auto d = DataIn::decode(v[0].bhs);
  CHECK(d.has_status);
  CHECK(d.final);
  CHECK(d.status == 0);
  CHECK(d.underflow);
  CHECK(d.residual == 181);
  CHECK(v[0].data.size() == 74);
  // READ(10) of 4 blocks with MaxRecvDataSegmentLength 512: four Data-In PDUs.
  w.send(w.cmd_bhs({0x28, 0, 0, 0, 0, 0, 0, 0, 4, 0}, 2048));
  v = w.recv();
  REQUIRE(v.size() == 4);
  for (std::uint32_t i = 0; i < 4; ++i) {
    d = DataIn::decode(v[i].bhs);
    CHECK(d.data_sn == i);
    CHECK(d.buffer_offset == i * 512);
    CHECK(d.has_status == (i == 3));
    CHECK(v[i].data.size() == 512);
  }
  // EDTL smaller than the transfer: overflow.
  w.send(w.cmd_bhs({0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0}, 200));
  v = w.recv();
  REQUIRE(v.size() == 1);
  d = DataIn::decode(v[0].bhs);
  CHECK(d.overflow);
  CHECK(d.residual == 312);
  CHECK(v[0].data.size() == 200);
}

TEST_CASE("full feature: CHECK CONDITION carries sense data", "[iscsi][target]") {
  Wire w;
  w.login_ok();
  Pdu p = w.command({0x28, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 1, 0}, 512);
  REQUIRE(p.bhs.opcode() == static_cast<std::uint8_t>(Opcode::scsi_response));
  const auto r = ScsiResponse::decode(p.bhs);
  CHECK(r.status == 2);
  REQUIRE(p.data.size() == 2 + 18);
  CHECK(load_be16(p.data.data()) == 18);
  CHECK(p.data[2 + 2] == 5);
  CHECK(p.data[2 + 12] == 0x21);
  // An unknown LUN.
  ScsiCommand c;
  c.itt = 99;
  c.cmd_sn = w.cmd_sn++;
  c.lun = encode_lun(7);
  c.cdb[0] = 0x00;
  w.send(c.encode());
  p = w.recv_one();
  CHECK(p.data[2 + 12] == 0x25);
}

TEST_CASE("full feature: writes with immediate data, unsolicited data and R2T", "[iscsi][target]") {
  Wire w;
  w.login_ok({{"InitialR2T", "Yes"},
              {"ImmediateData", "Yes"},
              {"FirstBurstLength", "65536"},
              {"MaxBurstLength", "1024"},
              {"MaxOutstandingR2T", "1"}});
  std::vector<std::uint8_t> data(4 * 512);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7);
  // 512 bytes of immediate data, the rest solicited in bursts of 1024.
  auto bhs = w.cmd_bhs({0x2A, 0, 0, 0, 0, 8, 0, 0, 4, 0}, 2048, false, true);
  w.send(bhs, std::vector<std::uint8_t>(data.begin(), data.begin() + 512));
  auto v = w.recv();
  REQUIRE(v.size() == 1);
  auto r2t = R2t::decode(v[0].bhs);
  CHECK(r2t.buffer_offset == 512);
  CHECK(r2t.desired_length == 1024);
  CHECK(r2t.r2t_sn == 0);
  DataOut d;
  d.itt = r2t.itt;
  d.ttt = r2t.ttt;
  d.final = true;
  d.buffer_offset = 512;
  w.send(d.encode(), std::vector<std::uint8_t>(data.begin() + 512, data.begin() + 1536));
  v = w.recv();
  REQUIRE(v.size() == 1);
  auto r2 = R2t::decode(v[0].bhs);
  CHECK(r2.buffer_offset == 1536);
  CHECK(r2.desired_length == 512);
  CHECK(r2.r2t_sn == 1);
  d.ttt = r2.ttt;
  d.buffer_offset = 1536;
  w.send(d.encode(), std::vector<std::uint8_t>(data.begin() + 1536, data.end()));
  auto rsp = ScsiResponse::decode(w.recv_one().bhs);
  CHECK(rsp.status == 0);
  CHECK(!rsp.underflow);
  // Read it back.
  w.send(w.cmd_bhs({0x28, 0, 0, 0, 0, 8, 0, 0, 4, 0}, 2048));
  std::vector<std::uint8_t> back;
  for (auto& p : w.recv()) back.insert(back.end(), p.data.begin(), p.data.end());
  CHECK(back == data);
}

TEST_CASE("full feature: unsolicited Data-Out and a wrong DataSN", "[iscsi][target]") {
  Wire w;
  w.login_ok({{"InitialR2T", "No"}, {"ImmediateData", "No"}, {"FirstBurstLength", "65536"}});
  auto bhs = w.cmd_bhs({0x2A, 0, 0, 0, 0, 0, 0, 0, 2, 0}, 1024, false, true, false);
  const std::uint32_t itt = bhs.itt();
  w.send(bhs);
  CHECK(w.recv().empty());  // waiting for unsolicited data, no R2T
  DataOut d;
  d.itt = itt;
  d.data_sn = 0;
  d.buffer_offset = 0;
  w.send(d.encode(), std::vector<std::uint8_t>(512, 1));
  CHECK(w.recv().empty());
  d.data_sn = 5;  // should be 1
  d.buffer_offset = 512;
  d.final = true;
  w.send(d.encode(), std::vector<std::uint8_t>(512, 1));
  Pdu p = w.recv_one();
  CHECK(ScsiResponse::decode(p.bhs).status == 2);
  CHECK(p.data[2 + 2] == 0x0B);  // ABORTED COMMAND
}

TEST_CASE("full feature: CmdSN window, NOP-Out, unknown opcode, logout", "[iscsi][target]") {
  Wire w;
  w.login_ok();
  // CmdSN beyond MaxCmdSN is ignored silently.
  auto bhs = w.cmd_bhs({0x00}, 0);
  store_be32(&bhs.b[24], w.cmd_sn + 1000);
  w.send(bhs);
  CHECK(w.recv().empty());
  --w.cmd_sn;  // that CmdSN was not consumed
  CHECK(ScsiResponse::decode(w.command({0x00}, 0).bhs).status == 0);
  // CmdSN already used: ignored.
  auto old = w.cmd_bhs({0x00}, 0);
  store_be32(&old.b[24], 1);
  w.send(old);
  CHECK(w.recv().empty());
  --w.cmd_sn;

  NopOut nop;
  nop.itt = 0x55;
  nop.cmd_sn = w.cmd_sn++;
  w.send(nop.encode(), {1, 2, 3, 4, 5});
  Pdu p = w.recv_one();
  const auto in = NopIn::decode(p.bhs);
  CHECK(in.itt == 0x55);
  CHECK(in.ttt == kReservedTag);
  CHECK(p.data == std::vector<std::uint8_t>{1, 2, 3, 4, 5});
  CHECK(in.exp_cmd_sn == w.cmd_sn);

  Bhs weird;
  weird.b[0] = 0x1C;
  w.send(weird);
  p = w.recv_one();
  CHECK(Reject::decode(p.bhs).reason ==
        static_cast<std::uint8_t>(RejectReason::command_not_supported));
  CHECK(std::equal(p.data.begin(), p.data.end(), weird.b.begin()));

  LogoutRequest lo;
  lo.itt = 0x77;
  lo.cmd_sn = w.cmd_sn++;
  lo.reason = 0;
  w.send(lo.encode());
  const auto lr = LogoutResponse::decode(w.recv_one().bhs);
  CHECK(lr.response == 0);
  CHECK(lr.itt == 0x77);
  CHECK(w.conn->closing());
  w.conn->transport_closed();
  CHECK(w.target->session_count() == 0);
}

TEST_CASE("full feature: header and data digests after login", "[iscsi][target]") {
  Wire w;
  w.login_ok({{"HeaderDigest", "CRC32C"}, {"DataDigest", "CRC32C"}});
  REQUIRE(w.digests.header);
  REQUIRE(w.digests.data);
  w.send(w.cmd_bhs({0x12, 0, 0, 0, 36, 0}, 36));
  auto v = w.recv();
  REQUIRE(v.size() == 1);
  CHECK(v[0].data.size() == 36);
  // A corrupted header digest drops the connection.
  OutPdu p;
  p.bhs = w.cmd_bhs({0x00}, 0);
  encode_pdu(p, w.digests);
  p.header_digest[0] ^= 1;
  TxQueue q;
  q.push(std::move(p));
  CHECK(!w.conn->receive(q.drain_bytes()));
  CHECK(w.conn->closing());
}

TEST_CASE("task management: ABORT TASK, LU RESET, unknown LUN", "[iscsi][target]") {
  Wire w;
  w.login_ok({{"InitialR2T", "Yes"}, {"ImmediateData", "No"}});
  // A write waiting for its data can be aborted.
  auto bhs = w.cmd_bhs({0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0}, 512, false, true);
  w.send(bhs);
  REQUIRE(w.recv().size() == 1);  // R2T
  CHECK(w.conn->tasks() == 1);
  TaskMgmtRequest tmf;
  tmf.immediate = true;
  tmf.function = 1;
  tmf.itt = 0x900;
  tmf.referenced_task_tag = bhs.itt();
  tmf.cmd_sn = w.cmd_sn;
  w.send(tmf.encode());
  auto r = TaskMgmtResponse::decode(w.recv_one().bhs);
  CHECK(r.response == 0);
  CHECK(r.itt == 0x900);
  CHECK(w.conn->tasks() == 0);
  w.send(tmf.encode());
  CHECK(TaskMgmtResponse::decode(w.recv_one().bhs).response == 1);  // no such task now
  tmf.function = 5;
  w.send(tmf.encode());
  CHECK(TaskMgmtResponse::decode(w.recv_one().bhs).response == 0);
  Pdu ua = w.command({0x00}, 0);
  CHECK(ua.data[2 + 12] == 0x29);
  CHECK(ua.data[2 + 13] == 0x03);
  tmf.lun = encode_lun(9);
  w.send(tmf.encode());
  CHECK(TaskMgmtResponse::decode(w.recv_one().bhs).response == 2);
  tmf.function = 8;
  w.send(tmf.encode());
  CHECK(TaskMgmtResponse::decode(w.recv_one().bhs).response == 4);
}

TEST_CASE("file back end: completions arrive through the completion queue", "[iscsi][target]") {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("pb_iscsi_target_" + std::to_string(getpid())))
          .string();
  std::filesystem::remove(path);
  auto cq = std::make_shared<CompletionQueue>();
  {
    TargetConfig cfg;
    Wire w(cfg);
    auto be = make_file_backend(path, 1 << 20, w.cq, 2);
    REQUIRE(be);
    REQUIRE(w.target->add_lun(1, std::make_shared<LogicalUnit>(LuConfig{}, std::move(*be))));
    w.login_ok();
    ScsiCommand c;
    c.write = true;
    c.final = true;
    c.itt = 0x42;
    c.cmd_sn = w.cmd_sn++;
    c.lun = encode_lun(1);
    c.expected_data_length = 512;
    c.cdb = {0x2A, 0x08, 0, 0, 0, 3, 0, 0, 1, 0};  // FUA
    w.send(c.encode(), std::vector<std::uint8_t>(512, 0x3C));
    // The first command on LUN 1 reports the power-on unit attention without any I/O.
    auto first = w.recv();
    REQUIRE(first.size() == 1);
    w.send(
        [&] {
          c.itt = 0x43;
          c.cmd_sn = w.cmd_sn++;
          return c.encode();
        }(),
        std::vector<std::uint8_t>(512, 0x3C));
    CHECK(w.recv().empty());  // the write runs on a worker thread
    for (int i = 0; i < 20000 && w.wakeups == 0; ++i) {
      if (!w.cq->pending()) usleep(50);
      w.cq->run();
    }
    CHECK(w.wakeups > 0);
    auto rsp = ScsiResponse::decode(w.recv_one().bhs);
    CHECK(rsp.status == 0);
    CHECK(rsp.itt == 0x43);
  }
  std::filesystem::remove(path);
}

TEST_CASE("task management: a SANITIZE goes on after ABORT TASK and resets", "[iscsi][target]") {
  Wire w;
  // 2 MiB written 1 MiB at a time at 1 byte/s: the first chunk goes at once, the second would
  // wait for days, so the SANITIZE stays in progress for the whole test.
  LuConfig lc;
  lc.sanitize_rate = 1;
  REQUIRE(
      w.target->add_lun(1, std::make_shared<LogicalUnit>(lc, make_memory_backend(2 << 20), w.cq)));
  w.login_ok();
  auto on_lun1 = [&](std::vector<std::uint8_t> cdb, std::uint32_t edtl, bool write,
                     std::vector<std::uint8_t> data) {
    ScsiCommand c = ScsiCommand::decode(w.cmd_bhs(std::move(cdb), edtl, false, write));
    c.lun = encode_lun(1);
    w.send(c.encode(), std::move(data));
    return c.itt;
  };
  auto tur_sense = [&] {
    on_lun1({0x00}, 0, false, {});
    const Pdu p = w.recv_one();
    REQUIRE(ScsiResponse::decode(p.bhs).status == scsi_status::kCheckCondition);
    return std::array<std::uint8_t, 3>{static_cast<std::uint8_t>(p.data[2 + 2] & 0x0F),
                                       p.data[2 + 12], p.data[2 + 13]};
  };
  CHECK(tur_sense() == std::array<std::uint8_t, 3>{0x6, 0x29, 0x00});  // power on
  // SANITIZE OVERWRITE, one pass of a 512-byte pattern.
  std::vector<std::uint8_t> params(4 + 512, 0x5A);
  params[0] = 0x01;
  params[1] = 0x00;
  params[2] = 0x02;
  params[3] = 0x00;
  const std::uint32_t sanitize_itt =
      on_lun1({0x48, 0x01, 0, 0, 0, 0, 0, 0x02, 0x04, 0}, 516, true, params);
  CHECK(w.recv().empty());  // still running
  const std::array<std::uint8_t, 3> in_progress{0x2, 0x04, 0x1B};
  CHECK(tur_sense() == in_progress);

  TaskMgmtRequest tmf;
  tmf.immediate = true;
  tmf.function = 1;  // ABORT TASK: answered now, the operation goes on
  tmf.itt = 0x900;
  tmf.lun = encode_lun(1);
  tmf.referenced_task_tag = sanitize_itt;
  tmf.cmd_sn = w.cmd_sn;
  w.send(tmf.encode());
  CHECK(TaskMgmtResponse::decode(w.recv_one().bhs).response == 0);
  CHECK(w.conn->tasks() == 0);
  CHECK(tur_sense() == in_progress);
  tmf.function = 5;  // LOGICAL UNIT RESET
  tmf.itt = 0x901;
  w.send(tmf.encode());
  CHECK(TaskMgmtResponse::decode(w.recv_one().bhs).response == 0);
  CHECK(tur_sense() == std::array<std::uint8_t, 3>{0x6, 0x29, 0x03});  // bus device reset
  CHECK(tur_sense() == in_progress);
  w.cq->run();  // nothing due yet
  CHECK(w.recv().empty());
}
